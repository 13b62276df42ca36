"""id3v22.py COVER.png IN.mp3 OUT.mp3 writes OUT: an ID3v2.2 tag, then IN's bytes.

No packaged tool writes ID3v2.2 any more, so make.sh writes the frames by hand:
TT2, TP1, TAL, TYE, TRK and COM in ISO-8859-1 (encoding 0), and PIC with image
format "PNG" and picture type 3 (front cover).
"""
import sys


def frame(name, body):
    assert len(name) == 3
    return name + len(body).to_bytes(3, "big") + body


def text(name, s):
    return frame(name, b"\x00" + s.encode("latin-1"))


def main():
    cover_path, in_path, out_path = sys.argv[1:4]
    cover = open(cover_path, "rb").read()
    frames = b"".join([
        text(b"TT2", "Version two point two"),
        text(b"TP1", "Lyssna Test"),
        text(b"TAL", "Fixtures"),
        text(b"TYE", "2002"),
        text(b"TRK", "9/10"),
        frame(b"COM", b"\x00eng" + b"\x00" + "v2.2 comment".encode("latin-1")),
        frame(b"PIC", b"\x00PNG\x03Cover\x00" + cover),
    ])
    tag = frames + b"\x00" * 64  # padding
    n = len(tag)
    size = bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])
    with open(out_path, "wb") as out:
        out.write(b"ID3\x02\x00\x00" + size + tag)
        out.write(open(in_path, "rb").read())


if __name__ == "__main__":
    main()
