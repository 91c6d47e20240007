"""The delivery variants the benchmark builds, one per way of loading faster.

Each variant is the site built with one set of delivery options (see
sitebuild/delivery.py). "none" is the site with every option off; each
single-option variant turns on one option; "site" is what build.py builds.
"""

from pathlib import Path

from sitebuild import delivery, server, site

VARIANTS = {
    "none": delivery.Delivery.all_off(),
    "prefetch": delivery.Delivery.only("prefetch"),
    "hashed-assets": delivery.Delivery.only("hashed_assets"),
    "service-worker": delivery.Delivery.only("service_worker"),
    "precompress": delivery.Delivery.only("precompress"),
    "snapshot": delivery.Delivery.only("snapshot"),
    "bytecode": delivery.Delivery.only("bytecode"),
    "unpack-wheels": delivery.Delivery.only("unpack_wheels"),
    "site": delivery.Delivery(),
}

# The variant that gets the warm-run, memory, Stop and offline measurements.
FINAL = "site"


def build(name, out):
    """Build variant `name` into `out` and return `out`."""
    site.build_site(out, log=lambda message: None, delivery_options=VARIANTS[name])
    return out


def pyodide_folder(site_dir):
    """Return the folder of a built site that holds pyodide.asm.wasm."""
    matches = sorted(Path(site_dir).glob("*/pyodide.asm.wasm"))
    if len(matches) != 1:
        raise RuntimeError(f"Expected one Pyodide folder in {site_dir}, found {[str(path) for path in matches]}")
    return matches[0].parent


def handler_class(name):
    return server.SiteRequestHandler
