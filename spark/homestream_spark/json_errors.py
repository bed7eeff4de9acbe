"""JSON syntax errors worded as V8's JSON.parse words them in Node 24 (the app's Node), so a dead letter from the
Spark job carries the reason kafka-in and `homestream stats` give: "invalid JSON: <message>".

Python's json module decides whether a text is JSON (both follow RFC 8259; this module is only
asked once it has said no). Positions count UTF-16 code units, as JavaScript strings do. The
wording follows V8's MessageTemplate kJsonParse* messages; test/spark/reading.test.ts holds it
against the real JSON.parse on generated broken texts.
"""

from __future__ import annotations

WS = " \t\n\r"
# V8 quotes the whole source up to this length, else 10 characters either side of the position.
SHORT_SOURCE = 20
CONTEXT = 10
SPECIAL = ("NaN", "Infinity", "undefined", "[object Object]")


class _Fail(Exception):
    def __init__(self, message: str):
        self.message = message


def _utf16_units(text: str) -> str:
    """The text with astral characters as surrogate pairs: one str index per UTF-16 code unit."""
    if all(ord(c) < 0x10000 for c in text):
        return text
    out = []
    for c in text:
        o = ord(c)
        if o < 0x10000:
            out.append(c)
        else:
            o -= 0x10000
            out.append(chr(0xD800 + (o >> 10)))
            out.append(chr(0xDC00 + (o & 0x3FF)))
    return "".join(out)


def _joined(units: str) -> str:
    """Back to characters; a lone surrogate becomes U+FFFD, as Node's UTF-8 encoder writes it."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class _Scanner:
    def __init__(self, units: str):
        self.s = units
        self.n = len(units)
        self.i = 0

    def fail_at(self, template: str) -> _Fail:
        return _Fail(f"{template} in JSON at position {self.where()}")

    def where(self) -> str:
        """"N (line L column C)", as Node 24's V8 writes a position (\n, \r and \r\n end lines)."""
        line, start = 1, 0
        s = self.s
        for k in range(min(self.i, self.n)):
            c = s[k]
            if c == "\n" or (c == "\r" and (k + 1 >= self.n or s[k + 1] != "\n")):
                line += 1
                start = k + 1
        return f"{self.i} (line {line} column {self.i - start + 1})"

    def unexpected(self) -> _Fail:
        s, i, n = self.s, self.i, self.n
        if i >= n:
            return _Fail("Unexpected end of JSON input")
        if s in SPECIAL:
            return _Fail(f'"{s}" is not valid JSON')
        # V8 names the token a character starts: a string, a number, or the character itself.
        if s[i] == '"':
            return self.fail_at("Unexpected string")
        if s[i] == "-" or "0" <= s[i] <= "9":
            return self.fail_at("Unexpected number")
        token = _joined(s[i])
        if n <= SHORT_SOURCE:
            return _Fail(f"Unexpected token '{token}', \"{_joined(s)}\" is not valid JSON")
        if i < CONTEXT:
            return _Fail(f"Unexpected token '{token}', \"{_joined(s[: i + CONTEXT])}\"... is not valid JSON")
        if i < n - CONTEXT:
            part = _joined(s[i - CONTEXT : i + CONTEXT])
            return _Fail(f"Unexpected token '{token}', ...\"{part}\"... is not valid JSON")
        return _Fail(f"Unexpected token '{token}', ...\"{_joined(s[i - CONTEXT :])}\" is not valid JSON")

    def skip_ws(self) -> None:
        while self.i < self.n and self.s[self.i] in WS:
            self.i += 1

    def peek(self) -> str:
        return self.s[self.i] if self.i < self.n else ""

    def value(self) -> None:
        self.skip_ws()
        c = self.peek()
        if c == '"':
            self.string()
        elif c == "{":
            self.obj()
        elif c == "[":
            self.array()
        elif c == "-" or "0" <= c <= "9":
            self.number()
        elif c in ("t", "f", "n"):
            self.literal({"t": "true", "f": "false", "n": "null"}[c])
        else:
            raise self.unexpected()

    def literal(self, word: str) -> None:
        for ch in word:
            if self.peek() != ch:
                raise self.unexpected()
            self.i += 1

    def digits(self) -> int:
        start = self.i
        while "0" <= self.peek() <= "9" and self.peek() != "":
            self.i += 1
        return self.i - start

    def number(self) -> None:
        if self.peek() == "-":
            self.i += 1
            if not ("0" <= self.peek() <= "9") or self.peek() == "":
                raise self.fail_at("No number after minus sign")
        if self.peek() == "0":
            self.i += 1
            if "0" <= self.peek() <= "9" and self.peek() != "":
                raise self.fail_at("Unexpected number")
        else:
            self.digits()
        if self.peek() == ".":
            self.i += 1
            if self.digits() == 0:
                raise self.fail_at("Unterminated fractional number")
        if self.peek() in ("e", "E") and self.peek() != "":
            self.i += 1
            if self.peek() in ("+", "-") and self.peek() != "":
                self.i += 1
            if self.digits() == 0:
                raise self.fail_at("Exponent part is missing a number")

    def string(self) -> None:
        self.i += 1  # the opening quote
        while True:
            if self.i >= self.n:
                raise self.fail_at("Unterminated string")
            c = self.s[self.i]
            if c == '"':
                self.i += 1
                return
            if c == "\\":
                self.i += 1
                if self.i >= self.n:
                    raise _Fail("Unexpected end of JSON input")
                e = self.s[self.i]
                if e == "u":
                    for _ in range(4):
                        self.i += 1
                        h = self.peek()
                        if h == "" or h not in "0123456789abcdefABCDEF":
                            raise self.fail_at("Bad Unicode escape")
                elif e not in '"\\/bfnrt':
                    raise self.fail_at("Bad escaped character")
            elif ord(c) < 0x20:
                raise self.fail_at("Bad control character in string literal")
            self.i += 1

    def obj(self) -> None:
        self.i += 1
        self.skip_ws()
        if self.peek() == "}":
            self.i += 1
            return
        if self.peek() != '"':
            raise self.fail_at("Expected property name or '}'")
        while True:
            self.string()
            self.skip_ws()
            if self.peek() != ":":
                raise self.fail_at("Expected ':' after property name")
            self.i += 1
            self.value()
            self.skip_ws()
            c = self.peek()
            if c == "}":
                self.i += 1
                return
            if c != ",":
                raise self.fail_at("Expected ',' or '}' after property value")
            self.i += 1
            self.skip_ws()
            if self.peek() != '"':
                raise self.fail_at("Expected double-quoted property name")

    def array(self) -> None:
        self.i += 1
        self.skip_ws()
        if self.peek() == "]":
            self.i += 1
            return
        while True:
            self.value()
            self.skip_ws()
            c = self.peek()
            if c == "]":
                self.i += 1
                return
            if c != ",":
                raise self.fail_at("Expected ',' or ']' after array element")
            self.i += 1


def v8_message(text: str) -> str | None:
    """What JSON.parse(text) throws, or None when V8 would accept the text."""
    sc = _Scanner(_utf16_units(text))
    try:
        sc.value()
        sc.skip_ws()
        if sc.i < sc.n:
            raise _Fail(f"Unexpected non-whitespace character after JSON at position {sc.where()}")
    except _Fail as f:
        return f.message
    except RecursionError:
        return "Maximum call stack size exceeded"
    return None
