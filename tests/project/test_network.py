"""Check that the page reaches nothing but its own loopback server.

Chromium writes every network event to a net-log file (--log-net-log). The
test boots the page, runs the hidden tests, closes the browser and reads the
log: it fails on any DNS lookup and on any connection to an address other than
the server's. It also checks that the log shows the connections to the server,
so a parser that found no events at all cannot pass.
"""

import json

import pytest

from tests.project import browser
from tests.project.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.project.implementations import REFERENCE

# Net-log event types of a DNS lookup, a TCP connection attempt and a datagram sent, as Chromium names them.
DNS_EVENTS = {"HOST_RESOLVER_DNS_TASK", "HOST_RESOLVER_MANAGER_JOB", "DNS_TRANSACTION"}
TCP_CONNECT = "TCP_CONNECT_ATTEMPT"
UDP_CONNECT = "UDP_CONNECT"
UDP_SENT = "UDP_BYTES_SENT"


def read_net_log(path):
    """Return the events of a net-log file with their type names.

    A browser that exits early leaves the events list unclosed, so a log that
    does not parse is closed before a second try.
    """
    text = path.read_text(encoding="utf-8")
    try:
        log = json.loads(text)
    except json.JSONDecodeError:
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    return [dict(event, type_name=names.get(event["type"], "")) for event in log["events"]]


@pytest.fixture(scope="module")
def net_log_events(built_site, chromium, tmp_path_factory):
    """Boot the page in a second Chromium that logs its network events, run the tests, and return the events."""
    log_path = tmp_path_factory.mktemp("netlog") / "net-log.json"

    # The session's Playwright starts it, because only one sync Playwright may run at a time.
    with browser.serving(built_site) as url:
        logging_chromium = chromium.browser_type.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, f"--log-net-log={log_path}"]
        )
        page = logging_chromium.new_page()
        page.goto(url)
        browser.wait_until_ready(page)
        page.evaluate("code => window.lrEditor.setCode(code)", REFERENCE.read_text(encoding="utf-8"))
        page.click("#run-tests")
        browser.wait_for_run(page)
        summary = page.text_content("#summary")
        logging_chromium.close()

    port = url.rsplit(":", 1)[1].strip("/")
    return {"events": read_net_log(log_path), "server": f"127.0.0.1:{port}", "summary": summary}


def test_run_finished(net_log_events):
    assert net_log_events["summary"] == "4 of 4 passed."


def addresses_of(events, type_name):
    """Map each net-log source id to the address that an event of `type_name` names."""
    return {event["source"]["id"]: event["params"]["address"] for event in events
            if event["type_name"] == type_name and "address" in event.get("params", {})}


def test_log_shows_server_connections(net_log_events):
    addresses = addresses_of(net_log_events["events"], TCP_CONNECT).values()

    assert net_log_events["server"] in addresses


def test_no_dns_lookup(net_log_events):
    lookups = [event for event in net_log_events["events"] if event["type_name"] in DNS_EVENTS]

    assert lookups == []


def test_no_other_tcp_connection(net_log_events):
    addresses = set(addresses_of(net_log_events["events"], TCP_CONNECT).values())

    assert addresses == {net_log_events["server"]}


def test_no_datagram_sent(net_log_events):
    """Chromium connects a UDP socket to a public IPv6 address to probe the route; that sends nothing.

    A datagram sent on any socket would leave the machine, so none may be.
    """
    events = net_log_events["events"]
    udp_addresses = addresses_of(events, UDP_CONNECT)
    sent_to = {udp_addresses.get(event["source"]["id"], "unknown") for event in events if event["type_name"] == UDP_SENT}

    assert sent_to == set()
