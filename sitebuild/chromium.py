"""The Chromium that the tests, the benchmark and the scripts drive, and its flags."""

from pathlib import Path

# Debian's package (apt-get install chromium). Playwright drives it; it never downloads a browser.
CHROMIUM = Path("/usr/bin/chromium")

# Chromium reaches no host but the loopback server: the resolver rule makes every
# other name fail to resolve, and the other flags turn off Chromium's own traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
