"""A progress bar with rate and time left on a terminal; a plain line per interval otherwise.

Nothing is shown for the first `delay` seconds, so short runs stay quiet.
"""
import sys
import time


def _clock(seconds):
    seconds = int(max(0, seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    def __init__(self, total, label="stoxvp", unit="images", stream=None, delay=2.0, interval=None, tty=None,
                 clock=time.monotonic):
        self.total, self.label, self.unit = total, label, unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = tty if tty is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        self.delay = delay
        self.interval = interval if interval is not None else (0.2 if self.tty else 10.0)
        self.clock = clock
        self.start = clock()
        self.last = None
        self.done = 0
        self.shown = False

    def line(self, done, now):
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 and self.total else None
        pct = 100.0 * done / self.total if self.total else 0.0
        eta = _clock(left) if left is not None else "?"
        text = f"{done}/{self.total} {self.unit} {pct:5.1f}% {rate:.1f} {self.unit}/s elapsed {_clock(elapsed)} left {eta}"
        if self.tty:
            width = 30
            filled = int(width * done / self.total) if self.total else 0
            return f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {text}\x1b[K"
        return f"{self.label}: {text}\n"

    def update(self, done):
        self.done = done
        now = self.clock()
        if now - self.start < self.delay:
            return
        if self.last is not None and now - self.last < self.interval:
            return
        self.last = now
        self.shown = True
        self.stream.write(self.line(done, now))
        self.stream.flush()

    def finish(self):
        if not self.shown:
            return
        self.stream.write(self.line(self.done, self.clock()))
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()
