"""The tally the standalone Python test scripts keep: every check counted, each failure printed
with what it checked, the exit status from the count."""
import sys


class Tally:
    def __init__(self):
        self.checks = self.failures = 0

    def __call__(self, cond, what):
        self.checks += 1
        if not cond:
            self.failures += 1
            print("FAILED:", what)

    def finish(self):
        print(f"{self.checks - self.failures} passed, {self.failures} failed")
        sys.exit(1 if self.failures else 0)
