"""Hostile input every form is tried with: none of it may cause a server error or a half-written
record."""

HOSTILE_VALUES = {
    "very long": "a" * 20_000,
    "nul": "name\x00with nul",
    "control characters": "bell\x07escape\x1b[31m",
    "line breaks": "Evil\r\nBcc: victim@example.com",
    "script": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE users; --",
    "unicode line separator": "line\u2028separator",
    "right-to-left override": "\u202egnp.exe",
}

# Raw bytes that are not UTF-8, for a body posted without the client's own encoding.
NON_UTF8_BODY = b"name=%ff%fe%fd&email=%c3%28%40example.com&password=%80%81%82"
