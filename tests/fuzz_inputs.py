"""Seeded mutations of a cohort's files, as faults and slips produce them, for the fuzz test.

Each mutation takes the bytes of one file and returns new bytes: a copy cut short, bytes
flipped, another encoding, rows or columns deleted or doubled, odd dates and amounts, extra
separators or quotes, byte-order marks where they do not belong, other line ends. They are
drawn by a seeded ``random.Random``: a failing case is reproduced from its number.
"""

from __future__ import annotations

import random
import re

ODD_DATES = ["01/01/2999", "31/12/9999", "05/09/0001", "31/02/2016", "00/00/0000", "29/02/2017",
             "05/09/2099", "05/09/2040", "2016-13-01", "1/1/1", "99/99/9999", "05/09/20160",
             "05/09/1677", "12/04/2262", "2016-09-05T25:61", "42675", "demain", "05/09/2016 12:00"]
ODD_AMOUNTS = ["-1", "-0,01", "1e308", "NaN", "inf", "12.500", "1 000 000 000 000 000 000 000 000", "∞",
               "0x10", "12,5,3", "—", "9" * 400, "1,5e3", "+", "€", "12 500,00 €€", "1.234.567,89"]
ODD_TEXTS = ["", " ", '"', '""', ";", ",", "\u00a0", "\u202f", "\ufeff", "\x00", "é" * 3000, "=1+1",
             "NA", "null", "None", "nan", "\r", "\t", "J01", "D-001"]
DATE = re.compile(rb"\b\d{2}/\d{2}/\d{4}\b")
AMOUNT = re.compile(rb"\b\d+,\d{2}\b")


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def reencode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8-sig", errors="replace")
    kind = rng.choice(["cp1252", "latin-1", "utf-16", "utf-16-le", "utf-8-twice", "mac-roman", "utf-32"])
    if kind == "utf-8-twice":
        return text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    return text.encode(kind, errors="replace")


def delete_row(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def duplicate_row(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    k = rng.randrange(len(lines))
    lines.insert(k, lines[k])
    return b"\n".join(lines)


def _columns(rng: random.Random, data: bytes, change) -> bytes:
    lines = [line.split(b";") for line in _lines(data)]
    width = max(len(cells) for cells in lines)
    k = rng.randrange(width)
    return b"\n".join(b";".join(change(cells, k)) for cells in lines)


def delete_column(rng: random.Random, data: bytes) -> bytes:
    return _columns(rng, data, lambda cells, k: cells[:k] + cells[k + 1:])


def duplicate_column(rng: random.Random, data: bytes) -> bytes:
    return _columns(rng, data, lambda cells, k: cells[:k + 1] + cells[k:k + 1] + cells[k + 1:])


def swap_columns(rng: random.Random, data: bytes) -> bytes:
    def swap(cells, k):
        cells = list(cells)
        if k + 1 < len(cells):
            cells[k], cells[k + 1] = cells[k + 1], cells[k]
        return cells
    return _columns(rng, data, swap)


def _replace_match(rng: random.Random, data: bytes, pattern: re.Pattern, values: list[str]) -> bytes:
    found = list(pattern.finditer(data))
    if not found:
        return flip_bytes(rng, data)
    m = rng.choice(found)
    return data[:m.start()] + rng.choice(values).encode("utf-8") + data[m.end():]


def odd_date(rng: random.Random, data: bytes) -> bytes:
    return _replace_match(rng, data, DATE, ODD_DATES)


def odd_amount(rng: random.Random, data: bytes) -> bytes:
    return _replace_match(rng, data, AMOUNT, ODD_AMOUNTS)


def odd_cell(rng: random.Random, data: bytes) -> bytes:
    """One cell (between two separators) replaced by an odd text."""
    lines = _lines(data)
    k = rng.randrange(len(lines))
    cells = lines[k].split(b";")
    cells[rng.randrange(len(cells))] = rng.choice(ODD_TEXTS).encode("utf-8")
    lines[k] = b";".join(cells)
    return b"\n".join(lines)


def extra_separators(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out) + 1):0] = rng.choice([b";", b";;", b",", b"\t", b'"', b"|", b"\n", b"\r"])
    return bytes(out)


def boms(rng: random.Random, data: bytes) -> bytes:
    bom = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"])
    where = rng.choice(["start", "middle", "line"])
    if where == "start":
        return bom + data
    if where == "middle":
        k = rng.randrange(len(data) + 1)
        return data[:k] + bom + data[k:]
    lines = _lines(data)
    k = rng.randrange(len(lines))
    lines[k] = bom + lines[k]
    return b"\n".join(lines)


def line_ends(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n", b"\r\r\n", b"\x85", "\u2028".encode()]))


def emptied(rng: random.Random, data: bytes) -> bytes:
    return rng.choice([b"", b"\xef\xbb\xbf", b"\n\n\n", b"   ", _lines(data)[0], _lines(data)[0] + b"\n",
                       b"\x00" * 64, data[:1]])


def header_slips(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    header = lines[0].decode("utf-8", errors="replace")
    header = rng.choice([header.upper(), header.lower(), header.replace("é", "e"), header.replace(";", " ; "),
                         header.replace(" ", "_"), "Titre du tableau\n" + header, header + ";"])
    lines[0] = header.encode("utf-8")
    return b"\n".join(lines)


def yaml_slips(rng: random.Random, data: bytes) -> bytes:
    """``appel.yaml`` written wrong."""
    return rng.choice([
        b"- annee: 2016\n", b"grilles: 2016\n", b"enveloppe: 700 000 \xe2\x82\xac\n", b"enveloppe: -5\n",
        "annee: 2016\ntitre: Appel à projets\n".encode("cp1252"), b"annee: [2016\n", b"annee: deux mille seize\n",
        b"date_limite_depot: 31/02/2016\n", b"date_limite_depot: 05/09/9999\n", b"annee: 99999999999999999999\n",
        b"appel: alpc-2099\n", b"\x00\x01\x02", b"annee: 2016\nannee: 2017\n", b"grilles: {acceptabilite: 1999}\n",
        data + b"\nduree_max_mois: 0\n", data + b"\nnombre_versements: 1.5\n", data[:len(data) // 2],
        b"annee: &a [*a]\n", b"plafond_aide: .inf\n", b"plafond_aide: .nan\n",
    ])


CSV_MUTATIONS = [truncate, flip_bytes, reencode, delete_row, duplicate_row, delete_column, duplicate_column,
                 swap_columns, odd_date, odd_amount, odd_cell, extra_separators, boms, line_ends, emptied,
                 header_slips]


def mutations(seed: int, count: int, files: dict[str, bytes]) -> list[tuple[str, str, bytes]]:
    """``count`` mutations of ``files`` (name -> bytes): (description, file name, new bytes).

    Every kind of mutation is used in turn (so that each appears about as often), on a file
    drawn at random; about one in twelve is a slip in ``appel.yaml``.
    """
    rng = random.Random(seed)
    csvs = sorted(n for n in files if n.endswith(".csv"))
    out = []
    for k in range(count):
        if "appel.yaml" in files and k % 12 == 11:
            name, mutate = "appel.yaml", yaml_slips
        else:
            name, mutate = rng.choice(csvs), CSV_MUTATIONS[k % len(CSV_MUTATIONS)]
        out.append((f"n° {k} : {mutate.__name__} de {name}", name, mutate(rng, files[name])))
    return out
