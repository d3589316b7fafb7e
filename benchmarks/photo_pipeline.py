"""A 12-megapixel phone JPEG through the whole evidence pipeline, against a plain Pillow decode +
encode of the same file.

    PYTHONPATH=. python benchmarks/photo_pipeline.py [--runs 7]

The test photo is made from ``tests/data/photos/jolla.jpg`` scaled to 4000×3000 with sensor-like
noise, stored sideways (EXIF orientation 6) with a capture time and GPS, as a phone sends it as a
file. Variants:

- ``plain``: ``Image.open`` + ``load`` + JPEG encode (quality 85) at full size — the floor any
  pipeline that touches every pixel pays;
- ``pipeline``: ``inspect_image`` + ``build_evidence`` (EXIF facts, upright, sRGB, 1600 px, Chinese
  watermark band, EXIF-free JPEG, 320 px thumbnail) — what ``make_evidence`` runs in its thread;
- ``pipeline-no-draft``: the same with JPEG DCT-scaled decoding switched off, to show what it saves;
- ``receive``: ``build_unmarked`` — what a form's photo costs on receipt (checks, decode, upright, sRGB,
  1600 px, EXIF-free, thumbnail; no watermark yet);
- ``stamp``: ``build_stamped`` on that unmarked copy — what submitting the record costs per photo
  (the watermark with the record's number and address as submitted);
- ``receive-heic-48mp``: ``build_unmarked`` of an 8000×6000 HEIC in 512 px tiles (an iPhone in 48 MP mode,
  sent as a file; ``tests.hostile_images.heic_grid``), decoded in the image worker process
  (``storage.image_decode``): its time includes the round trip; its memory is the bot process's only
  (the worker's own peak is printed below the table).

Time: median wall time of ``--runs`` runs in one warm process. Memory: each variant runs once more
in a fresh subprocess; peak RSS growth over the process after imports and reading the file
(Linux ``VmHWM`` after resetting it through ``/proc/self/clear_refs``; Pillow allocates pixels in C, which ``tracemalloc`` cannot see), plus the
``tracemalloc`` peak of Python objects.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.services.evidence import (  # noqa: E402
    WatermarkInfo,
    build_evidence,
    build_stamped,
    build_unmarked,
    watermark_lines,
)
from storage import image_decode, images  # noqa: E402
from storage.images import inspect_image  # noqa: E402
from tests.hostile_images import heic_grid  # noqa: E402

INFO = WatermarkInfo(
    received_at=datetime(2026, 11, 29, 6, 30, tzinfo=UTC),
    stage="discovery",
    unit_name="朝外街道",
    inspector_name="张三",
    draft_number="D-2026-0012",
    address="朝阳区工体北路8号",
)


def make_photo() -> bytes:
    """A 4000×3000 JPEG (quality 92, 4:2:0, as phones write), stored sideways, with EXIF."""
    base = Image.open(ROOT / "tests" / "data" / "photos" / "jolla.jpg").convert("RGB").resize((4000, 3000))
    noise = Image.effect_noise((4000, 3000), 24).convert("RGB")
    photo = Image.blend(base, noise, 0.08).transpose(Image.Transpose.ROTATE_90)  # stored sideways
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2026:11:29 14:05:09"
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 55.0, 44.04), 3: "E", 4: (116.0, 26.0, 50.64)})
    buf = io.BytesIO()
    photo.save(buf, format="JPEG", quality=92, exif=exif.tobytes())
    return buf.getvalue()


def plain(data: bytes) -> int:
    im = Image.open(io.BytesIO(data))
    im.load()
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=85)
    return len(out.getvalue())


def pipeline(data: bytes) -> int:
    inspect_image(data)
    return len(build_evidence(data, INFO).copy.data)


def pipeline_no_draft(data: bytes) -> int:
    real = images.open_upright

    def full_size(data: bytes, facts: images.ImageFacts, *, long_edge: int | None = None) -> Image.Image:
        return real(data, facts)  # the decode without the reduced DCT scale (``long_edge`` ignored)

    image_decode.open_upright = full_size
    try:
        return pipeline(data)
    finally:
        image_decode.open_upright = real


def receive(data: bytes) -> int:
    return len(build_unmarked(data).copy.data)


_UNMARKED: dict[int, bytes] = {}


def stamp(data: bytes) -> int:
    unmarked = _UNMARKED.get(id(data)) or _UNMARKED.setdefault(id(data), build_unmarked(data).copy.data)
    return len(build_stamped(unmarked, watermark_lines(INFO))[0].data)


_heic_48mp = functools.cache(lambda: heic_grid(8000, 6000))


def receive_heic(_data: bytes) -> int:
    return len(build_unmarked(_heic_48mp()).copy.data)


VARIANTS = {"plain": plain, "pipeline": pipeline, "pipeline-no-draft": pipeline_no_draft, "receive": receive,
            "stamp": stamp, "receive-heic-48mp": receive_heic}


def _worker_peak_mib() -> float:
    workers = image_decode.shared_workers(image_decode.WORKER_MEMORY_MB, image_decode.WORKERS, image_decode.PRELOAD)
    return workers.last_peak_kb / 1024


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _child(variant: str, path: str) -> None:
    data = Path(path).read_bytes()
    func = VARIANTS[variant]
    if variant == "stamp":  # the unmarked copy exists before submission: not part of what is measured
        stamp(data)
    if variant == "receive-heic-48mp":  # the file exists and the worker has started: neither is measured
        receive_heic(data)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = _status_kib("VmRSS")
    tracemalloc.start()
    func(data)
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"rss_growth_kib": _status_kib("VmHWM") - before, "py_peak_bytes": py_peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    data = make_photo()
    tmp = Path("/tmp") / "hazardbot-bench-12mp.jpg"
    tmp.write_bytes(data)
    facts = inspect_image(data)
    print(f"python {platform.python_version()}, Pillow {Image.__version__}, {platform.machine()}")
    print(f"input: {facts.stored_width}x{facts.stored_height} JPEG, orientation {facts.orientation}, "
          f"{len(data) / 2**20:.1f} MiB; {args.runs} runs each\n")
    print(f"{'variant':<20}{'median s':>10}{'min s':>8}{'× plain':>9}{'RSS +MiB':>10}{'py peak MiB':>13}")
    medians: dict[str, float] = {}
    for name, func in VARIANTS.items():
        func(data)  # warm caches (font, ICC, imports)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            func(data)
            times.append(time.perf_counter() - start)
        medians[name] = statistics.median(times)
        child = subprocess.run(
            [sys.executable, __file__, "--child", name, str(tmp)], capture_output=True, text=True, check=True
        )
        mem = json.loads(child.stdout)
        print(f"{name:<20}{medians[name]:>10.3f}{min(times):>8.3f}{medians[name] / medians['plain']:>9.2f}"
              f"{mem['rss_growth_kib'] / 1024:>10.1f}{mem['py_peak_bytes'] / 2**20:>13.1f}")
    print(f"\nimage worker peak RSS (its own VmHWM, after the HEIC): {_worker_peak_mib():.0f} MiB")
    tmp.unlink()


if __name__ == "__main__":
    main()
