"""CSV/TSV parsing for personal decks: pure, bytes in, cards and per-row problems out."""

from __future__ import annotations

import pytest

from bot.decks.table_import import (
    MAX_IMPORT_BYTES,
    TableImport,
    TableRefused,
    card_key,
    deck_title,
    parse_table,
    sniff_delimiter,
)


def parse(text: str | bytes, name: str = "cards.csv", max_rows: int = 2000) -> TableImport:
    data = text.encode() if isinstance(text, str) else text
    return parse_table(data, file_name=name, max_rows=max_rows)


def refused(text: str | bytes, name: str = "cards.csv", max_rows: int = 2000) -> TableRefused:
    with pytest.raises(TableRefused) as info:
        parse(text, name, max_rows)
    return info.value


def test_two_columns_without_header() -> None:
    """Each row is question, answer; cells are trimmed."""
    table = parse("What is 2+2? , 4\nCapital of France,Paris\n")
    assert [(c.question, c.answer) for c in table.cards] == [
        ("What is 2+2?", "4"), ("Capital of France", "Paris")]
    assert table.problems == () and not table.has_header
    assert [c.line for c in table.cards] == [1, 2]


def test_header_row_is_skipped_and_may_reorder_and_add_keys() -> None:
    """A header names the columns (any order); `keys` becomes grading hints."""
    table = parse("Answer,Question,Keys,Tags\nParis,Capital of France?,paris | paname,geo\n")
    (card,) = table.cards
    assert (card.question, card.answer) == ("Capital of France?", "Paris")
    assert card.keys == (("paris", "paname"),)
    assert table.has_header and card.line == 2


def test_front_back_header_and_tsv() -> None:
    """Anki-style front/back headers and tab-separated files work."""
    table = parse("front\tback\nhund\tdog, the animal\n", name="de.tsv")
    assert table.delimiter == "\t"
    assert table.cards[0].answer == "dog, the animal"


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a;b, c\nd;e\nf;g, h, i\n", ";"),
    ('"a; b",c\nd,e\nf,g\n', ","),
    ("a\tb;c\nd\te\n", "\t"),
])
def test_delimiter_is_sniffed_by_consistency(text: str, delimiter: str) -> None:
    """The delimiter that splits rows consistently into two cells wins."""
    assert sniff_delimiter(text) == delimiter


def test_semicolon_file_with_commas_in_answers() -> None:
    """European Excel exports use `;`; commas inside the answer stay in the answer."""
    table = parse("Was ist ein Hund?;Ein Tier, das bellt\nFarbe des Himmels?;blau\n")
    assert table.cards[0].answer == "Ein Tier, das bellt"


def test_quoted_multiline_field_keeps_lines_and_numbers() -> None:
    """A quoted answer over several lines stays one answer; later rows keep true line numbers."""
    text = 'Q1,"line one\r\nline two\r\n- item"\r\nQ2,\r\nQ3,A3\r\n'
    table = parse(text)
    assert table.cards[0].answer == "line one\nline two\n- item"
    assert [p.line for p in table.problems] == [4]
    assert table.cards[1].line == 5


def test_utf8_bom_is_accepted() -> None:
    """Excel's "CSV UTF-8" starts with a BOM; it is not part of the first question."""
    table = parse("\ufeffquestion,answer\nÄpfel?,apples\n".encode())
    assert table.has_header and table.cards[0].question == "Äpfel?"


def test_utf16_with_bom_is_accepted() -> None:
    """Excel's "Unicode text" export (UTF-16, tabs) imports too."""
    table = parse("question\tanswer\nchat\tcat\n".encode("utf-16"), name="x.txt")
    assert table.cards[0].answer == "cat"


def test_other_encodings_are_refused_with_line() -> None:
    """Latin-1 text is refused with the line and how to save UTF-8."""
    error = refused("q,a\nCafé?,coffee\n".encode("latin-1"))
    assert "line 2 is not UTF-8" in error.reason and "CSV UTF-8" in error.reason


def test_binary_and_empty_files_are_refused() -> None:
    """NUL bytes and empty files are refused, not imported."""
    assert "binary" in refused(b"a,b\x00\n").reason
    assert "empty" in refused(b"  \n\n").reason
    assert "no rows" in refused("question,answer\n\n").reason


def test_unclosed_quote_is_refused_at_its_line() -> None:
    """A missing closing quote would swallow the rest of the file: refuse it, say where."""
    error = refused('Q1,A1\nQ2,"A2 starts\nQ3,A3\n')
    assert error.reason.startswith("line 2:") and "never closed" in error.reason


def test_bad_rows_are_reported_and_good_rows_kept() -> None:
    """Empty cells, extra columns and duplicates are per-row problems with line numbers."""
    text = ("Q1,A1\n"
            ",no question\n"
            "Q3,\n"
            "Q4,a, b, c\n"
            "\n"
            "  q1 ,again\n"
            "Q7,A7,\n")
    table = parse(text)
    assert [c.question for c in table.cards] == ["Q1", "Q7"]
    assert [(p.line, p.reason) for p in table.problems] == [
        (2, "the question is empty"),
        (3, "the answer is empty"),
        (4, "4 columns where 2 were expected; put quotes around a question or answer that "
            "contains a comma"),
        (6, "the same question as line 1"),
    ]


def test_all_rows_bad_refuses_with_problems() -> None:
    """With no usable row nothing is imported, and every bad row is listed."""
    error = refused("Q1,\nQ2,\n")
    assert [p.line for p in error.problems] == [1, 2]


def test_one_column_gets_a_delimiter_hint() -> None:
    """A file without any delimiter gets told how to separate question and answer."""
    assert "only one column" in refused("just a line\nanother\n").reason


def test_limits() -> None:
    """Row and byte limits refuse the file; a long cell is a row problem."""
    assert "more than 3 rows" in refused("a,b\nc,d\ne,f\ng,h\n", max_rows=3).reason
    assert parse("a,b\nc,d\ne,f\n", max_rows=3).cards
    assert "larger than 2 MB" in refused(b"a,b\n" * (MAX_IMPORT_BYTES // 4 + 1)).reason
    table = parse("Q," + "x" * 4001 + "\nQ2,A2\n")
    assert "longer than 4,000" in table.problems[0].reason


def test_card_key_ignores_case_and_spacing() -> None:
    """The stable key matches a question re-typed with other case or spacing."""
    assert card_key("What is  a Tensor?") == card_key("what is a tensor?")
    assert card_key("What is a tensor?") != card_key("What is a vector?")


def test_deck_title_from_file_name() -> None:
    """The title is the file name without extension; missing names get a default."""
    assert deck_title("Spanish verbs.csv") == "Spanish verbs"
    assert deck_title(None) == "My deck"
    assert deck_title("  my   notes .tsv") == "my notes"
    assert len(deck_title("x" * 300 + ".csv")) == 100
