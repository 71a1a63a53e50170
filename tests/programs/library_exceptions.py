# Covers exceptions of the program's own code among exceptions that stay inside the standard
# library: `reel replay`'s `exceptions` lists the first and counts the second, `catch own` stops at
# the first only (test_replay_cli.py). Ends with an uncaught exception (exit status 1).
import ipaddress
import json


def parse(text):
    try:
        return json.loads(text)
    except ValueError as e:  # a JSONDecodeError raised inside json
        return {"error": e.msg}


def address(text):
    try:
        # ipaddress tries IPv4 then IPv6; each raises and handles an AddressValueError of its own
        # before the ValueError that reaches us.
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def check(n):
    if n < 0:
        raise ArithmeticError(f"negative: {n}")
    return n


def main():
    print(parse('{"a": 1}'), parse("{oops"))
    print(address("10.0.0.1"), address("nope"))
    total = 0
    for n in (3, -1, 4):
        try:
            total += check(n)
        except ArithmeticError:
            total -= 1
    print(total)
    check(-2)


main()
