# Pure-Python parser: tokenize and evaluate arithmetic expressions by recursive descent.
import re

TOKEN = re.compile(r"\s*(?:(\d+)|(.))")


def tokenize(text):
    out = []
    for number, op in TOKEN.findall(text):
        out.append(("num", int(number)) if number else ("op", op))
    out.append(("end", None))
    return out


class Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos]

    def take(self):
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expr(self):
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self):
        value = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            rhs = self.factor()
            value = value * rhs if op == "*" else value // max(rhs, 1)
        return value

    def factor(self):
        kind, val = self.take()
        if kind == "num":
            return val
        if val == "(":
            value = self.expr()
            self.take()
            return value
        if val == "-":
            return -self.factor()
        raise SyntaxError(val)


def main():
    source = " + ".join(f"({i} * {i + 1} - {i % 7}) / ({i % 5} + 1)" for i in range(250))
    total = 0
    for _ in range(30):
        total += Parser(tokenize(source)).expr()
    print(total)


if __name__ == "__main__":
    import sys
    import time

    started = time.perf_counter()
    main()
    # bench_recorder reads this line: the workload's own time, without interpreter start-up.
    sys.stderr.write(f"elapsed {time.perf_counter() - started:.6f}\n")
