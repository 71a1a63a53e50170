# Covers: recursion (factorial, fibonacci, mutual recursion) with growing and unwinding stacks.
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


print(fact(6), fib(7), is_even(5), is_odd(5))
