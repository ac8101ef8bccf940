"""What a file that is not text is (termlock/filekinds.py): by its first bytes, or by its name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from termlock import filekinds
from termlock.errors import TermlockError
from termlock.filekinds import HEAD_BYTES, kind_by_name, kind_of, refuse_binary


@pytest.mark.parametrize(
    "head, name, kind",
    [
        (b"%PDF-1.4\n", "a.txt", filekinds.PDF),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", "a.doc", filekinds.OLD_WORD),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", "a.DOT", filekinds.OLD_WORD),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", "a.xls", filekinds.OLE),
        (b"{\\rtf1\\ansi", "a", filekinds.RTF),
        (b"\xff\xfe\x4c\x53", "a", filekinds.UTF16),
        (b"\xfe\xff\x53\x4c", "a", filekinds.UTF16),
        (b"\xff\xfe\x00\x00\x4c\x53\x00\x00", "a", filekinds.UTF32),
        (b"\x1f\x8b\x08\x00", "a", filekinds.GZIP),
        (b"PK\x03\x04" + b"\0" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.text", "a", filekinds.ODT),
        (b"PK\x03\x04" + b"\0" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.presentation", "a", filekinds.OPEN_DOCUMENT),
        (b"PK\x03\x04" + b"\0" * 26 + b"[Content_Types].xml", "a", filekinds.ZIP),
        ("双核驱动\n".encode(), "a.pdf", None),  # the bytes decide, not the name
        (b"\xef\xbb\xbf\xe5\x8f\x8c", "a", None),  # UTF-8 with a byte-order mark is text
        (b"", "a", None),
    ],
)
def test_kinds_by_their_first_bytes(head, name, kind):
    assert kind_of(head[:HEAD_BYTES], name) is kind


@pytest.mark.parametrize(
    "name, kind",
    [("a.doc", filekinds.OLD_WORD), ("A.PDF", filekinds.PDF), ("x.odt", filekinds.ODT), ("x.rtf", filekinds.RTF),
     ("x.docx", None), ("x.txt", None), ("doc", None)],
)  # fmt: skip
def test_kinds_by_name(name, kind):
    assert kind_by_name(name) is kind


@given(st.text())
def test_utf8_text_is_never_taken_for_a_binary_file(text):
    head = text.encode("utf-8")[:HEAD_BYTES]
    if not head.startswith((b"{\\rtf", b"%PDF-")):  # RTF and PDF are ASCII: their signatures are all that tells them
        assert kind_of(head, "x.txt") is None


def test_the_error_names_the_option_the_file_and_the_fix():
    with pytest.raises(TermlockError) as error:
        refuse_binary("r.pdf", b"%PDF-1.7", "--source")
    assert str(error.value) == (
        "r.pdf: --source: a PDF document, not text (fix: translate or check the document the PDF was made from "
        "(.docx, .md, .html, .txt), or extract its text first (pdftotext -layout FILE FILE.txt))"
    )
    refuse_binary("r.txt", "双核".encode())  # text: nothing to say
