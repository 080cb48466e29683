from __future__ import annotations

import pytest

from reviewer.ingest.errors import IngestError
from reviewer.ingest.strictjson import Record, load_document, loads, loads_lines


def err(data: bytes, **kwargs) -> IngestError:
    with pytest.raises(IngestError) as info:
        load_document(data, path="p.json", **kwargs)
    return info.value


@pytest.mark.parametrize(
    ("data", "field", "needle"),
    [
        (b'{"claimed": {"pgr": NaN}}', "claimed.pgr", "NaN is not allowed"),
        (b'{"a": [1, Infinity]}', "a[1]", "Infinity is not allowed"),
        (b'{"a": -Infinity}', "a", "-Infinity is not allowed"),
        (b'{"a": 1e400}', "a", "out of range"),
        (b'{"claimed": {"pgr": 1, "pgr": 2}}', "claimed.pgr", "duplicate key"),
        (b'{"seeds": [' + b"9" * 5000 + b"]}", "seeds[0]", "more than 100 digits"),
        (b'{"title": "\\ud800"}', "title", "unpaired surrogate"),
        (b'{"\\udfff": 1}', None, "object key contains an unpaired surrogate"),
    ],
)
def test_rejections_name_the_field(data, field, needle):
    error = err(data)
    assert error.field == field
    assert needle in error.message
    assert str(error).startswith("p.json: " + (f"{field}: " if field else ""))


def test_error_str_format():
    error = IngestError("samples/x.jsonl", 3, "claimed.pgr", 'expected a number, got "high"')
    assert str(error) == 'samples/x.jsonl:3: claimed.pgr: expected a number, got "high"'
    assert str(IngestError("x.json", None, None, "empty file")) == "x.json: empty file"


def test_error_str_escapes_terminal_controls():
    error = IngestError("evil\x1b[2J.json", 1, "a\u202eb", "bad \x07 value")
    text = str(error)
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\x1b" in text and "\\u202e" in text


def test_size_cap():
    error = err(b"[" + b"1," * 100 + b"1]", max_bytes=50)
    assert "over the limit of 50 bytes" in error.message


def test_non_utf8_reports_offset_and_line():
    error = err(b'{"a": 1,\n "b": "caf\xe9"}')
    assert error.line == 2
    assert "byte offset 19" in error.message


def test_bom_is_tolerated_and_offsets_count_it():
    assert loads(b'\xef\xbb\xbf{"a": 1}', path="p") == {"a": 1}
    error = err(b'\xef\xbb\xbf"\xff"')
    assert "byte offset 4" in error.message


def test_deep_nesting_is_rejected_before_parsing():
    error = err(b"[" * 100_000 + b"]" * 100_000)
    assert "nesting deeper than 64 levels" in error.message


def test_deep_nesting_inside_strings_does_not_count():
    text = b'{"a": "' + b"[" * 500 + b'"}'
    assert loads(text, path="p") == {"a": "[" * 500}


def test_depth_limit_is_exact():
    ok = b"[" * 64 + b"]" * 64
    assert loads(ok, path="p") is not None
    too_deep = b"[" * 65 + b"]" * 65
    with pytest.raises(IngestError, match="nesting deeper"):
        loads(too_deep, path="p")


def test_unclosed_deep_nesting_is_clean():
    with pytest.raises(IngestError):
        loads(b"[" * 50_000, path="p", max_depth=10_000)


def test_huge_int_over_python_limit_is_clean():
    with pytest.raises(IngestError, match="digits"):
        loads(b"1" * 10_000, path="p")


def test_syntax_error_has_line_and_column():
    error = err(b'{\n  "a": 1,\n  "b" 2\n}')
    assert error.line == 3
    assert "column" in error.message


def test_empty_file():
    assert err(b"  \n").message == "empty file"


def test_json_lines_report_line_numbers():
    data = b'{"a": 1}\n\n{"b": 2}\r\n{"c": NaN}\n'
    with pytest.raises(IngestError) as info:
        loads_lines(data, path="x.jsonl")
    assert info.value.line == 4
    assert info.value.field == "c"
    assert str(info.value).startswith("x.jsonl:4: c: NaN")


def test_json_lines_values_carry_lines():
    records = loads_lines(b'{"a": 1}\n\n{"b": 2}\n', path="x.jsonl")
    assert records == [Record(1, {"a": 1}), Record(3, {"b": 2})]


def test_json_lines_detected_in_json_file():
    records = load_document(b'{"a": 1}\n{"b": 2}\n', path="x.json")
    assert [r.line for r in records] == [1, 2]


def test_extra_data_on_same_line_is_an_error():
    error = err(b'{"a": 1} {"b": 2}')
    assert "Extra data" in error.message


def test_line_separator_inside_string_is_not_a_line_break():
    records = loads_lines('{"a": "x\u2028y"}\n'.encode(), path="x.jsonl")
    assert records[0].value == {"a": "x\u2028y"}


def test_pretty_document_followed_by_junk_reports_the_junk():
    error = err(b'{\n  "a": 1\n}\n{"b": 2}\n')
    assert error.line == 4
    assert "Extra data" in error.message


def test_extra_data_from_loads_is_a_plain_ingest_error():
    with pytest.raises(IngestError) as info:
        loads(b'{"findings": []}\n{}', path="u")
    assert type(info.value) is IngestError
    assert "Extra data" in info.value.message


def test_a_string_left_open_runs_to_the_end_so_no_quote_is_tried_twice():
    """An unclosed run of escaped quotes after deep brackets: each quote the string pattern
    could fail at was a new attempt to the end (a 64 KB file took 13 s); every attempt now
    succeeds, so the depth pre-check reads each byte a bounded number of times."""
    from reviewer.ingest.strictjson import _STRING

    body = '"' + '\\"' * 5000
    for text in (body, body + "\\", '"a[b]', '"'):
        match = _STRING.match(text)
        assert match is not None and match.end() == len(text)
    hostile = ('{"agent": ' + "[" * 65 + body).encode()
    with pytest.raises(IngestError, match="nesting deeper"):
        loads(hostile, path="p")
    # Brackets inside a string that never closes are text, as the parser reads them.
    with pytest.raises(IngestError) as caught:
        loads(b'{"k": "open ' + b"[" * 70, path="p")
    assert "nesting" not in caught.value.message
