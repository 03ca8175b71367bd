"""Test discovery for a document: every test source the design names."""
from tracefix import discover


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_finds_tests_in_the_file_siblings_tests_folder_doctests_and_main(tmp_path):
    doc = write(tmp_path, "calc.py", '''"""Calc.

>>> add(1, 2)
3
"""
def add(a, b):
    """
    >>> add(2, 2)
    4
    """
    return a + b

class Acc:
    def total(self):
        """>>> Acc().total()
        0
        """
        return 0

def test_inline():
    assert add(1, 1) == 2

class TestCalc:
    def test_method(self):
        assert add(0, 0) == 0

if __name__ == "__main__":
    print(add(1, 2))
''')
    write(tmp_path, "test_calc.py", "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    write(tmp_path, "calc_test.py", "import calc\n\ndef test_other():\n    assert calc.add(1, 2) == 3\n")
    write(tmp_path, "tests/test_more.py", "from calc import add\n\ndef test_more():\n    pass\n")
    write(tmp_path, "test_unrelated.py", "import calcx\n\ndef test_no():\n    pass\n")
    ids = [t.id for t in discover.discover(str(doc), doc.read_text())]
    assert ids == [
        "calc.py::test_inline", "calc.py::TestCalc::test_method",
        "calc_test.py::test_other", "test_calc.py::test_add", "tests/test_more.py::test_more",
        "doctest:calc", "doctest:add", "doctest:Acc.total", "__main__",
    ]


def test_top_level_assert_makes_a_script_test(tmp_path):
    doc = write(tmp_path, "m.py", "def f():\n    return 1\n\nassert f() == 2\n")
    tests = discover.discover(str(doc), doc.read_text())
    assert [(t.id, t.kind, t.line) for t in tests] == [("__main__", "script", 4)]


def test_unparsable_document_still_finds_sibling_tests(tmp_path):
    doc = write(tmp_path, "m.py", "def f(:\n")
    write(tmp_path, "test_m.py", "from m import f\n\ndef test_f():\n    assert f()\n")
    assert [t.id for t in discover.discover(str(doc), doc.read_text())] == ["test_m.py::test_f"]


def test_select_by_name_and_parametrized_case(tmp_path):
    doc = write(tmp_path, "m.py", "def test_a():\n    pass\n\ndef test_b():\n    pass\n")
    tests = discover.discover(str(doc), doc.read_text())
    assert [t.id for t in discover.select(tests, "test_b")] == ["m.py::test_b"]
    assert [t.id for t in discover.select(tests, "m.py::test_a[1-2]")] == ["m.py::test_a[1-2]"]
    assert discover.select(tests, "test_zzz") == []
