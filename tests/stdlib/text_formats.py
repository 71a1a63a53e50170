# Covers, on pure-Python standard-library code: urllib.parse (split/join/quote tables built on
# first use, lru-cached helpers), email's header parser (a token tree built by mutual recursion,
# defects appended to shared lists), html.unescape (re.sub calling back into traced code from
# C), textwrap (chunk lists reversed and popped in place), shlex (a stateful lexer over a
# StringIO) and string.Template (a class pattern compiled by __init_subclass__).
# tests/python/test_stdlib_fidelity.py copies these modules from the interpreter under test
# next to this file as py<name>.
import pyurlparse as up, pyhvp, pyhtml, pytextwrap, pyshlex, pystring

for u in ["https://user:pw@Example.COM:8080/a/b;p?q=1&r=%20x#frag", "//netloc/path", "http://[::1]:80/x"]:
    r = up.urlsplit(u)
    print(r, r.hostname, r.port, up.urlunsplit(r))
print(up.urljoin("http://a/b/c/d;p?q", "../../g"), up.quote("a b/c?d=\u00e9&"), up.unquote_plus("a+b%2B%E2%82%AC"))
print(up.urlencode({"a": 1, "b": ["x", "y z"]}, doseq=True), up.parse_qs("a=1&a=2&b=%20x&c", keep_blank_values=True))

al, rest = pyhvp.get_address_list('"Joe Q. Public" <john.q.public@example.com>, Mary <mary@x.test>, '
                                   'Group:Ed <c@a.test>,joe@where.test;, bad <@>')
print(repr(rest), [(a.display_name, [m.addr_spec for m in a.all_mailboxes]) for a in al.addresses], len(al.all_defects))
ct = pyhvp.parse_content_type_header('text/plain; charset="utf-8"; name*=UTF-8\'\'na%C3%AFve.txt')
print(ct.maintype, ct.subtype, dict(ct.params), str(pyhvp.get_unstructured("Hi =?utf-8?q?W=C3=B6rld?=")))

print(pyhtml.escape("<a href='x'>T & \"J\"</a>"), pyhtml.unescape("&lt;p&gt; &amp;amp; &eacute;&#233;&#x41; &notanentity; &copy &#0;"))

text = ("The quick brown fox jumps over the lazy dog. " * 3 + "Supercalifragilistic-hyphenated-words. ") * 2
print(pytextwrap.fill(text, width=28), pytextwrap.shorten("Hello  world!  This is a test", width=15))
print(pytextwrap.TextWrapper(width=20, initial_indent="* ", subsequent_indent="  ", max_lines=3).wrap(text))
print(pytextwrap.dedent("    a\n      b\n\n    c\n"), pytextwrap.indent("x\n\ny\n", "> "))

print(pyshlex.split("ls -l 'a b' \"c \\\"d\\\"\" e\\ f # comment", comments=True), pyshlex.join(["echo", "it's", "a b"]))
print(list(pyshlex.shlex("a && b || (c; d) > out.txt", posix=True, punctuation_chars=True)))

t = pystring.Template("$who likes ${what} for $$5")
print(t.substitute(who="tim", what="kung pao"), t.safe_substitute(who="x"))
class Dot(pystring.Template):
    delimiter = "%"
    idpattern = r"[a-z][_a-z0-9.]*"
print(Dot("%a.b and %{c}").substitute({"a.b": 1, "c": 2}))
