"""Structural repairs on real child runs: the exception an `except` should catch, a statement a
sibling branch has, and two partial fixes merged into one."""
from test_operators_names import debug_file  # the same end-to-end helper for every operator test


def test_except_catches_the_exception_that_was_raised(tmp_path):
    best = debug_file(tmp_path, """\
        def parse(text):
            try:
                return int(text)
            except TypeError:
                return None


        def test_bad_text():
            assert parse("x") is None


        def test_number():
            assert parse("4") == 4
        """).suggestions[0]
    assert "    except ValueError:\n" in best.new_text
    assert best.features["operator"] == "except_type"


def test_statement_copied_from_the_sibling_branch(tmp_path):
    report = debug_file(tmp_path, """\
        def tally(items):
            pos = neg = count = 0
            for x in items:
                if x > 0:
                    pos += x
                    count += 1
                else:
                    neg += x
            return pos, neg, count


        def test_mixed():
            assert tally([1, -2, 3]) == (4, -2, 3)


        def test_positive():
            assert tally([1, 2]) == (3, 0, 2)


        def test_ends_negative():
            assert tally([-1, 2, -5]) == (2, -6, 3)
        """)
    best = report.suggestions[0]
    else_branch = best.new_text.split("        else:\n")[1].split("    return")[0]
    assert sorted(else_branch.split("\n")) == ["", "            count += 1", "            neg += x"]
    assert best.features["operator"] == "sibling_statement"
    # The report's top suspect is the branch the fix edits.
    assert report.blocks[0].block.start_line == 8


def test_two_partial_fixes_are_merged(tmp_path):
    report = debug_file(tmp_path, """\
        def low(xs):
            return max(xs)


        def width(xs):
            return max(xs) + min(xs)


        def test_low():
            assert low([3, 1, 2]) == 1


        def test_width():
            assert width([5, 1, 2]) == 4


        def test_single():
            assert low([4]) == 4
        """)
    best = report.suggestions[0]
    assert "return min(xs)" in best.new_text and "return max(xs) - min(xs)" in best.new_text
    assert best.validation.passed == best.validation.total
    assert best.features["edits"] == 2
