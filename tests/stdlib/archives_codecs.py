# Covers: tarfile writing and reading an in-memory archive (TarInfo objects with many attributes,
# header blocks built with struct and bytes slicing, PAX headers for long names, the
# TarFile.members list growing, extractfile's _FileInFile over a BytesIO), plistlib (the XML
# writer's nested _PlistWriter, the XML and binary readers' stacks, object tables, dates and
# bytes; not the binary writer, whose object table is keyed by id()), and the punycode codec (its
# bytearray and list arithmetic). Times are set explicitly: nothing depends on the clock.
import sys
import io, struct, re, datetime, binascii, codecs, shutil, copy, os, stat, time, plistlib
import pytarfile, pyplistlib, pypunycode

# ---- tarfile ----
buf = io.BytesIO()
with pytarfile.open(fileobj=buf, mode="w", format=pytarfile.PAX_FORMAT) as tar:
    for name, data in (("a.txt", b"alpha\n"), ("dir/b.bin", bytes(range(40))),
                       ("very/" + "long" * 30 + ".txt", b"long name\n")):
        info = pytarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 1_000_000_000
        info.mode = 0o644
        info.uname = info.gname = "reel"
        tar.addfile(info, io.BytesIO(data))
    d = pytarfile.TarInfo("emptydir")
    d.type = pytarfile.DIRTYPE
    d.mtime = 1_000_000_000
    tar.addfile(d)
print(len(buf.getvalue()))
buf.seek(0)
with pytarfile.open(fileobj=buf, mode="r") as tar:
    names = tar.getnames()
    print([n[:20] for n in names])
    for m in tar.getmembers():
        f = tar.extractfile(m)
        body = f.read() if f is not None else None
        print(m.name[:12], m.size, m.isdir(), m.mtime, body[:8] if body else body)
    print(tar.getmember("a.txt").uname)

# ---- plistlib ----
doc = {
    "name": "reel",
    "version": [1, 2, 3],
    "nested": {"flag": True, "ratio": 0.25, "none": False, "blob": b"\x00\x01binary"},
    "when": datetime.datetime(2020, 5, 17, 12, 30, 0),
    "big": 2 ** 40,
    "items": [{"k": i, "v": str(i) * i} for i in range(5)],
}
xml = pyplistlib.dumps(doc, sort_keys=True)
print(len(xml), xml.count(b"<key>"))
back = pyplistlib.loads(xml)
print(back == doc, sorted(back))
# Written by the real plistlib: the binary writer keys its object table by id().
binary = plistlib.dumps(doc, fmt=plistlib.FMT_BINARY)
print(len(binary), binary[:8])
print(pyplistlib.loads(binary) == doc)
try:
    pyplistlib.loads(b"<plist><dict><key>x</key></dict></plist>")
except Exception as e:
    print(type(e).__name__)

# ---- punycode ----
for word in ("bücher", "münchen", "Ελληνικά", "ascii-only", "日本語ドメイン"):
    enc = pypunycode.punycode_encode(word)
    print(word, enc, pypunycode.punycode_decode(enc, "strict") == word)
