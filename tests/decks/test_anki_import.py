"""Anki imports, pure: field HTML, the plain-text export and .apkg packages into cards."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.decks import anki_package
from bot.decks.anki_html import html_field, looks_like_html, plain_field
from bot.decks.anki_import import parse_deck_file
from bot.decks.anki_notes import AnkiImport, Skipped
from bot.decks.anki_package import MAX_COLLECTION_BYTES, notetype_is_cloze
from bot.decks.anki_text import read_head
from bot.decks.table_import import MAX_IMPORT_BYTES, RowUnit, TableImport, TableRefused
from tests.decks.anki_files import (
    as_anki21b,
    entries,
    kind_config,
    with_notetypes_table,
    write_package,
    zipped,
    zstd_stream,
)

CAPITALS = [
    ("Capital of <b>Argentina</b>?", "Buenos&nbsp;Aires"),
    ("<div>Capital of</div><div>Peru?</div>", "Lima<br>(on the coast)"),
    ("Capital of Chile? <img src=\"chile.png\">", "Santiago"),
    ("Flag of Japan", "<img src=\"japan.png\">"),
]


def parse(data: bytes, name: str, max_rows: int = 2000) -> AnkiImport:
    result = parse_deck_file(data, file_name=name, max_rows=max_rows)
    assert isinstance(result, AnkiImport)
    return result


def refused(data: bytes, name: str, max_rows: int = 2000) -> TableRefused:
    with pytest.raises(TableRefused) as info:
        parse_deck_file(data, file_name=name, max_rows=max_rows)
    return info.value


def read_or_reason(data: bytes, name: str) -> AnkiImport | TableImport | str:
    """The import, or the reason it was refused; any other exception fails the test."""
    try:
        return parse_deck_file(data, file_name=name, max_rows=50)
    except TableRefused as error:
        return error.reason


def cards(result: AnkiImport) -> list[tuple[str, str]]:
    return [(c.question, c.answer) for c in result.cards]


# --- field HTML ---

def test_html_field_keeps_the_text_and_its_lines() -> None:
    """Tags go, <br> and blocks become lines, entities are unescaped, spaces collapse."""
    field = html_field("<div><b>to&nbsp;eat</b> &amp;  drink</div><div>comer<br/>beber</div>"
                       "<p>  </p><ul><li>one</li><li>two &lt;3&gt;</li></ul>")
    assert field.text == "to eat & drink\ncomer\nbeber\none\ntwo <3>"
    assert (field.pictures, field.sounds) == (0, 0)


def test_html_field_counts_media_and_hides_scripts() -> None:
    """Pictures and sounds are counted, not kept; style and script text never shows."""
    field = html_field('<style>.x{color:red}</style>Hund <img src="dog.jpg"> '
                       "[sound:hund.mp3]<script>alert(1)</script><img src='b.png'/>")
    assert field == type(field)("Hund", pictures=2, sounds=1)
    assert plain_field("a [sound:x.mp3]\r\nb").text == "a\nb"
    assert looks_like_html("a <br> b") and looks_like_html("caf&eacute;")
    assert not looks_like_html("2 < 3 and 4 > 1")


# --- "Notes in Plain Text" export ---

EXPORT = (
    "#separator:tab\n"
    "#html:true\n"
    "#guid column:1\n"
    "#notetype column:2\n"
    "#deck column:3\n"
    "#tags column:6\n"
    "a1\tBasic\tSpanish\t<b>to eat</b>\tcomer<br>(verb)\tverbs food\n"
    "a2\tBasic\tSpanish\t\"to write, <i>by hand</i>\"\t\"escribir\nа mano\"\tverbs\n"
    "# a comment line, as Anki reads it\n"
    "a3\tCloze\tSpanish\t{{c1::comer}} means to eat\t\t\n"
    "a4\tBasic\tSpanish\t<img src=\"x.png\">\tpicture\t\n"
    "a5\tBasic\tSpanish\tTo Eat\tagain\t\n"
)


def test_plain_text_export_with_head_and_html() -> None:
    """The head sets separator, HTML and meta columns; fields 1 and 2 are front and back."""
    result = parse(EXPORT.encode(), "Spanish.txt")
    assert cards(result) == [("to eat", "comer\n(verb)"),
                             ("to write, by hand", "escribir а mano")]
    assert [c.line for c in result.cards] == [7, 8]
    assert [(p.label, p.reason) for p in result.problems] == [
        ("line 12", "the question is only a picture"),
        ("line 13", "the same question as line 7")]
    assert result.skipped == Skipped(cloze_notes=1, pictures=1)


def test_head_lines_and_their_values() -> None:
    """Separator by name or character, html true/false, columns; unknown keys ignored."""
    head = read_head(["#separator:Pipe\n", "#html:false\n", "#columns:Front|Back\n",
                      "#if matches:update current\n", "#deck:Default\n", "x|y\n"])
    assert (head.lines, head.separator, head.html, head.columns) == (5, "|", False,
                                                                     "Front|Back")
    assert read_head(["#separator:;\n", "q;a\n"]).separator == ";"
    assert read_head(["tags:a b\n", "#separator:comma\n", "q,a\n"]).lines == 2


def test_columns_header_names_front_and_back() -> None:
    """`#columns:` labels pick front and back by name, in any order."""
    text = "#separator:comma\n#html:false\n#columns:Back,Notes,Front\nperro,x,dog\n"
    assert cards(parse(text.encode(), "d.txt")) == [("dog", "perro")]


def test_export_without_head_is_sniffed_and_html_detected() -> None:
    """Old exports have no head: tab is preferred, HTML is recognised, a header row skipped."""
    text = "Front\tBack\nHund\tdog<br>the animal\n{{c1::Katze}}\t\n"
    result = parse(text.encode(), "old.txt")
    assert cards(result) == [("Hund", "dog\nthe animal")]
    assert result.skipped == Skipped(cloze_notes=1)


def test_plain_text_export_without_html_keeps_text_as_is() -> None:
    """With #html:false a "<b>" is text the teacher typed, not markup."""
    text = "#separator:tab\n#html:false\nIs 2 < 3?\tyes, <b> is bold\n"
    assert cards(parse(text.encode(), "t.txt")) == [("Is 2 < 3?", "yes, <b> is bold")]


def test_csv_with_an_anki_head_is_read_as_an_anki_export() -> None:
    """A .csv that starts with Anki's head is an Anki export; a plain CSV is still a table."""
    result = parse_deck_file(b"#separator:comma\n#html:true\nq<br>1,a\n", file_name="x.csv",
                             max_rows=10)
    assert isinstance(result, AnkiImport) and cards(result) == [("q\n1", "a")]
    assert isinstance(parse_deck_file(b"q,a\n#1,x\n", file_name="x.csv", max_rows=10),
                      TableImport)


def test_plain_text_export_refusals() -> None:
    """Unclosed quotes, too many notes, only cloze, nothing usable: refused with a reason."""
    assert "line 3: a quoted field is never closed" in refused(
        b'#separator:tab\n#html:false\n"open\tx\n', "a.txt").reason
    many = "#separator:tab\n" + "".join(f"Q{i}\tA{i}\n" for i in range(11))
    assert "more than 10 notes" in refused(many.encode(), "m.txt", max_rows=10).reason
    assert "only cloze notes" in refused(b"{{c1::x}}\t\n", "c.txt").reason
    error = refused(b"#separator:tab\nQ1\t\nQ2\t\n", "e.txt")
    assert error.reason == "none of its notes could be imported"
    assert [p.label for p in error.problems] == ["line 2", "line 3"]
    assert "empty" in refused(b"", "e.txt").reason


# --- .apkg packages ---

@pytest.fixture
def capitals(tmp_path: Path) -> bytes:
    return write_package(tmp_path, basic=CAPITALS, cloze=["{{c1::Rome}} is in Italy"],
                         media={"chile.png": b"png", "japan.png": b"png"}, name="capitals")


def test_package_from_genanki(capitals: bytes) -> None:
    """Basic notes become cards; cloze notes and pictures are counted as skipped."""
    assert set(entries(capitals)) == {"collection.anki2", "media", "0", "1"}
    result = parse(capitals, "capitals.apkg")
    assert cards(result) == [("Capital of Argentina?", "Buenos Aires"),
                             ("Capital of\nPeru?", "Lima\n(on the coast)"),
                             ("Capital of Chile?", "Santiago")]
    assert [(p.label, p.reason) for p in result.problems] == [
        ("note 4", "the answer is only a picture")]
    assert result.problems[0].unit is RowUnit.NOTE
    assert result.skipped == Skipped(cloze_notes=1, pictures=2)


def test_newer_packages_zstd_and_notetypes_table(tmp_path: Path, capitals: bytes) -> None:
    """collection.anki21b (zstd, notetypes table) is read in preference to the stub anki2."""
    newer = as_anki21b(tmp_path, capitals)
    assert {"collection.anki21b", "collection.anki2"} <= set(entries(newer))
    assert cards(parse(newer, "capitals.apkg")) == cards(parse(capitals, "capitals.apkg"))
    files = entries(capitals)
    files["collection.anki21b"] = zstd_stream(with_notetypes_table(
        tmp_path, files.pop("collection.anki2")))
    result = parse(zipped(files), "capitals.colpkg")
    assert len(result.cards) == 3 and result.skipped.cloze_notes == 1
    files = entries(capitals)
    files["collection.anki21"] = files.pop("collection.anki2")
    assert len(parse(zipped(files), "capitals.apkg").cards) == 3


def test_notetype_kind_from_protobuf() -> None:
    """`kind` is field 1; absent means a normal note type; other fields are skipped."""
    assert notetype_is_cloze(kind_config(cloze=True))
    assert not notetype_is_cloze(kind_config(cloze=False))
    assert not notetype_is_cloze(b"")
    with pytest.raises(ValueError, match="varint"):
        notetype_is_cloze(b"\x08")


def test_package_limits_and_damage(tmp_path: Path, capitals: bytes) -> None:
    """Not a zip, no collection, a corrupt database, a bad name: each says what is wrong."""
    assert "not an Anki deck package" in refused(b"hello", "x.apkg").reason
    assert "no collection.anki2" in refused(zipped({"notes.txt": b"hi"}), "x.apkg").reason
    files = entries(capitals)
    files["collection.anki2"] = b"SQLite format 3\x00" + b"\x13" * 4000
    assert "damaged or not an Anki collection" in refused(zipped(files), "x.apkg").reason
    files = entries(capitals)
    files["../../etc/cron.d/x"] = b"* * * * * rm -rf /"
    assert "outside its own folder" in refused(zipped(files), "x.apkg").reason
    files = entries(capitals)
    files["collection.anki21b"] = b"\x28\xb5\x2f\xfd" + b"garbage" * 10
    assert "compressed collection is damaged" in refused(zipped(files), "x.apkg").reason
    assert "larger than 2 MB" in refused(b"PK" + b"\0" * MAX_IMPORT_BYTES, "x.apkg").reason
    empty = tmp_path / "empty.sqlite"
    with sqlite3.connect(empty) as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    assert "no notes table" in refused(zipped({"collection.anki2": empty.read_bytes()}),
                                       "x.apkg").reason


def test_zip_and_zstd_bombs_are_refused_before_filling_the_disk(capitals: bytes) -> None:
    """A collection that unpacks past the limit is refused, declared or streamed."""
    huge = b"\0" * (MAX_COLLECTION_BYTES + 1)
    bomb = zipped({"collection.anki2": huge})
    assert len(bomb) < MAX_IMPORT_BYTES
    assert "unpacks to more than 32 MB" in refused(bomb, "bomb.apkg").reason
    files = entries(capitals)
    files["collection.anki21b"] = zstd_stream(huge)  # its frame does not say how large
    assert len(files["collection.anki21b"]) < 64 * 1024
    assert "unpacks to more than 32 MB" in refused(zipped(files), "bomb.apkg").reason
    wide = zstandard.ZstdCompressor(compression_params=zstandard.ZstdCompressionParameters(
        window_log=25)).compressobj()  # asks the decoder for a 32 MiB window
    files["collection.anki21b"] = wide.compress(entries(capitals)["collection.anki2"]) + \
        wide.flush()
    assert "compressed collection is damaged" in refused(zipped(files), "x.apkg").reason
    many = {f"{i}": b"" for i in range(anki_package.MAX_ENTRIES + 1)}
    assert "more than 5,000 files" in refused(zipped(many, compression=zipfile.ZIP_STORED),
                                              "x.apkg").reason


def test_package_notes_limit_and_query_budget(capitals: bytes,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """More notes than import_max_rows refuses; a query over its budget is stopped."""
    assert "more than 3 notes" in refused(capitals, "x.apkg", max_rows=3).reason
    monkeypatch.setattr(anki_package, "MAX_PROGRESS_CALLS", 0)
    monkeypatch.setattr(anki_package, "PROGRESS_STEPS", 1)
    assert "takes too long" in refused(capitals, "x.apkg").reason


def test_package_duplicates_and_long_fields(tmp_path: Path) -> None:
    """Duplicate questions and over-long fields are reported by note number."""
    package = write_package(tmp_path, basic=[("Q", "A"), ("q", "B"), ("L", "x" * 5000),
                                             ("Big", "<b>y</b>" * 20000)])
    result = parse(package, "d.apkg")
    assert cards(result) == [("Q", "A")]
    assert [(p.label, p.reason) for p in result.problems] == [
        ("note 2", "the same question as note 1"),
        ("note 3", "the answer is longer than 4,000 characters"),
        ("note 4", "the answer is longer than 4,000 characters")]


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=2000), name=st.sampled_from(["x.apkg", "x.txt", "x.csv"]))
def test_any_bytes_are_imported_or_refused(data: bytes, name: str) -> None:
    """Whatever arrives, the reader returns cards or refuses with a reason: nothing else."""
    assert read_or_reason(data, name)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spots=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1,
                      max_size=8))
def test_damaged_packages_are_imported_or_refused(capitals: bytes,
                                                  spots: list[tuple[int, int]]) -> None:
    """A package with a few bytes of its collection changed never breaks the reader."""
    files = entries(capitals)
    collection = bytearray(files["collection.anki2"])
    for at, value in spots:
        collection[at % len(collection)] = value
    files["collection.anki2"] = bytes(collection)
    assert read_or_reason(zipped(files), "x.apkg")
