"""Type repairs on real child runs: conversions the trace shows are missing, None guards at the
exception site, identity vs equality."""
from test_operators_names import fix_for  # the same end-to-end helper for every operator test


def test_int_concatenated_to_a_string_is_converted(tmp_path):
    best = fix_for(tmp_path, """\
        def label(n):
            return "item " + n


        def test_label():
            assert label(3) == "item 3"
        """)
    assert 'return "item " + str(n)' in best.new_text
    assert best.features["operator"] == "conversion"


def test_returned_tuple_becomes_the_list_the_test_expects(tmp_path):
    best = fix_for(tmp_path, """\
        def pair(a, b):
            result = (a, b)
            return result


        def test_pair():
            assert pair(1, 2) == [1, 2]
        """)
    assert "return list(result)" in best.new_text


def test_none_in_a_loop_is_skipped(tmp_path):
    best = fix_for(tmp_path, """\
        def total_length(words):
            n = 0
            for w in words:
                n += len(w)
            return n


        def test_with_a_hole():
            assert total_length(["ab", None, "c"]) == 3


        def test_plain():
            assert total_length(["abc"]) == 3
        """)
    assert "if w is None:\n            continue\n        n += len(w)" in best.new_text
    assert best.features["operator"] == "guard"


def test_identity_comparison_becomes_equality(tmp_path):
    best = fix_for(tmp_path, """\
        def same(a, b):
            return a is b


        def test_equal_big_numbers():
            assert same(1000, int("1000"))


        def test_different():
            assert not same(1, 2)
        """)
    assert "return a == b" in best.new_text
