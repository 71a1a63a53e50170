# Covers: plain classes with __dict__, class attributes, properties (never run by the tracer), inheritance, super().
class Account:
    bank = "reel"

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    @property
    def rich(self):
        print("property rich evaluated")
        return self.balance > 100

    def deposit(self, amount):
        self.balance += amount
        self.history.append(("deposit", amount))
        return self.balance


class Savings(Account):
    def __init__(self, owner, rate):
        super().__init__(owner)
        self.rate = rate

    def add_interest(self):
        return self.deposit(self.balance * self.rate // 100)


s = Savings("ann", 10)
s.deposit(200)
s.add_interest()
print(s.rich, s.balance, s.history)
