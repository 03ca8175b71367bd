"""Which names each block mentions (mentions.py): what a visit of the block renders."""
import textwrap

from tracefix.mentions import names_by_block
from tracefix.segment import segment

SOURCE = textwrap.dedent("""\
    def scan(table, wanted):
        hits = []
        for key in table:
            if key.startswith(wanted):
                hits.append(key)
        return hits
    """)


def test_each_block_lists_the_names_on_its_own_lines():
    seg = segment(SOURCE)
    names = names_by_block(SOURCE, seg)
    assert set(names) == {b.id for b in seg.blocks}
    at = {line: seg.block_at(line).id for line in range(2, 7)}
    # `hits = []` and the `for` header sit in different blocks: the header is its own block.
    assert names[at[2]] == ["hits"]
    assert set(names[at[3]]) == {"key", "table"}
    # The `if` test runs in the loop body's block; its suite is a block of its own.
    assert {"key", "startswith", "wanted"} <= set(names[at[4]])
    assert set(names[at[5]]) == {"append", "hits", "key"}
    assert names[at[6]] == ["hits"]


def test_syntax_tree_sitter_knows_and_an_older_ast_may_not_still_gives_names():
    source = textwrap.dedent("""\
        def first[T](items: list[T]) -> T:
            match items:
                case [head, *_]:
                    return head
        """)
    seg = segment(source)
    names = names_by_block(source, seg)
    assert any("head" in found for found in names.values())
