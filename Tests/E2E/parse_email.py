#!/usr/bin/env python3
"""Parses a saved message with Python's `email` package (an independent MIME reader) and
prints JSON: the decoded headers, each text part decoded, and facts about the raw bytes.

    parse_email.py FILE
"""

import email
import email.policy
import json
import sys


def main():
    raw = open(sys.argv[1], "rb").read()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    lines = raw.split(b"\r\n")
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            # Line ends as LF; the CRLF before a boundary belongs to the boundary, so only a
            # single-part message's body ends with a line end.
            "body": part.get_content().replace("\r\n", "\n"),
        })
    print(json.dumps({
        "headers": {name: str(value) for name, value in message.items()},
        "raw_headers": {name: value for name, value in email.message_from_bytes(raw, policy=email.policy.compat32).items()},
        "content_type": message.get_content_type(),
        "is_multipart": message.is_multipart(),
        "parts": parts,
        "defects": [str(d) for d in message.defects] + [str(d) for p in message.walk() for d in p.defects],
        "max_line_bytes": max(len(line) for line in lines),
        "bare_lf": raw.replace(b"\r\n", b"").count(b"\n"),
        "bare_cr": raw.replace(b"\r\n", b"").count(b"\r"),
        "eight_bit": any(b > 127 for b in raw),
        "ends_with_crlf": raw.endswith(b"\r\n"),
    }))


if __name__ == "__main__":
    main()
