# Covers: re-raise (bare raise), raise from (cause), implicit chaining (context), suppressed context, exception attributes.
class AppError(Exception):
    def __init__(self, msg, code):
        super().__init__(msg, code)
        self.code = code


def parse(s):
    try:
        return int(s)
    except ValueError as e:
        raise AppError("bad number", 42) from e


def reraiser(s):
    try:
        return parse(s)
    except AppError:
        raise


def implicit():
    try:
        {}["missing"]
    except KeyError:
        return 1 / 0


def suppressed():
    try:
        [][1]
    except IndexError:
        raise RuntimeError("clean") from None


for fn, arg in ((reraiser, "x"), (implicit, None), (suppressed, None)):
    try:
        fn(arg) if arg is not None else fn()
    except Exception as e:
        print(type(e).__name__, e.args, type(e.__cause__).__name__, type(e.__context__).__name__, e.__suppress_context__)
