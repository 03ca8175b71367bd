"""Name repairs on real child runs: attribute names from the runtime type, arguments from the callee's
signature. Each test debugs a small file end to end and checks the validated fix."""
import textwrap

from tracefix.config import Settings
from tracefix.engine import Request, debug

SETTINGS = Settings(repair_seconds=60, workers=2)


def debug_file(tmp_path, body, name="mod.py"):
    """Debug ``body`` (dedented) as a file of its own; it must get at least one validated suggestion."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    report = debug(Request(path=str(path), settings=SETTINGS))
    assert report.suggestions, report.messages
    return report


def fix_for(tmp_path, body):
    """The best suggestion for ``body``, which must make every test pass."""
    best = debug_file(tmp_path, body).suggestions[0]
    assert best.validation.passed == best.validation.total
    return best


def test_method_name_from_the_builtin_type_the_value_has(tmp_path):
    best = fix_for(tmp_path, """\
        def shout(word):
            return word.uper() + "!"


        def test_shout():
            assert shout("hi") == "HI!"
        """)
    assert "return word.upper() + \"!\"" in best.new_text
    assert best.features["operator"] == "attribute_name"


def test_attribute_name_from_the_documents_own_class(tmp_path):
    best = fix_for(tmp_path, """\
        class Account:
            def __init__(self, balance):
                self.balance = balance


        def total(accounts):
            return sum(a.balanse for a in accounts)


        def test_total():
            assert total([Account(2), Account(3)]) == 5
        """)
    assert "sum(a.balance for a in accounts)" in best.new_text


def test_misspelt_keyword_becomes_the_callees_parameter(tmp_path):
    best = fix_for(tmp_path, """\
        def area(width, height):
            return width * height


        def room(w, h):
            return area(width=w, heigth=h)


        def test_room():
            assert room(2, 3) == 6
        """)
    assert "area(width=w, height=h)" in best.new_text
    assert best.features["operator"] == "call_arguments"


def test_missing_argument_supplied_by_the_variable_of_that_name(tmp_path):
    best = fix_for(tmp_path, """\
        def scale(value, factor):
            return value * factor


        def scale_all(values, factor):
            return [scale(v) for v in values]


        def test_scale_all():
            assert scale_all([1, 2], 3) == [3, 6]
        """)
    assert "[scale(v, factor) for v in values]" in best.new_text
