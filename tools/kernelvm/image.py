"""The cached VM image: a Debian kernel (as an uncompressed vmlinux) and a busybox initramfs."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import lzma
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .host import BUSYBOX_PACKAGE, Apt, SetupError, run_step

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # bump when the image layout changes in a way the digest does not catch
GUEST_INIT = Path(__file__).with_name("guest_init.sh")
# Loaded in the guest by busybox modprobe, which follows modules.dep for their dependencies.
MODULES = (
    *("virtio_pci", "virtio_mmio", "virtio_console", "9pnet_virtio", "9p", "overlay"),
    *("can", "can-raw", "can-bcm", "can-isotp", "can-dev", "vcan"),
)
# Parts of lib/modules/KVER/kernel copied into the initramfs (dependencies included).
MODULE_PATHS = (
    "drivers/virtio",
    "drivers/char/virtio_console.ko",
    "net/9p",
    "fs/9p",
    "fs/netfs",
    "fs/fscache",
    "fs/overlayfs",
    "net/can",
    "drivers/net/can/dev",
    "drivers/net/can/vcan.ko",
)
REQUIRED_CONFIG = (
    "CONFIG_CAN_ISOTP",
    "CONFIG_CAN_VCAN",
    "CONFIG_NET_9P_VIRTIO",
    "CONFIG_OVERLAY_FS",
)
XZ_MAGIC = b"\xfd7zXZ\x00"
ELF_MAGIC = b"\x7fELF"


@dataclass(frozen=True)
class Image:
    """A ready image: what QEMU boots, and facts about its kernel."""

    directory: Path
    package: str
    kernel_release: str
    hz: int

    @property
    def vmlinux(self) -> Path:
        return self.directory / "vmlinux"

    @property
    def initrd(self) -> Path:
        return self.directory / "initrd.cpio"


def stamp_text(package: str, init_script: bytes) -> str:
    """The cache stamp: changes whenever the version, kernel, init script or module set does."""
    digest = hashlib.sha256(init_script)
    digest.update(" ".join((*MODULES, *MODULE_PATHS)).encode())
    return f"diagkit-kernel-vm v{CACHE_VERSION} {package} {digest.hexdigest()[:16]}\n"


def load_image(directory: Path, package: str, init_script: bytes) -> Image | None:
    """The image cached in ``directory`` if its stamp is current and its files are there."""
    try:
        if (directory / "stamp").read_text() != stamp_text(package, init_script):
            return None
        image = Image(
            directory,
            package,
            (directory / "kernel-release").read_text().strip(),
            int((directory / "hz").read_text()),
        )
    except (OSError, ValueError):
        return None
    return image if image.vmlinux.is_file() and image.initrd.is_file() else None


@contextlib.contextmanager
def cache_lock(path: Path, timeout: float) -> Iterator[None]:
    """Exclusive ``flock`` on ``path`` so parallel runs never build the cache twice."""
    with open(path, "a+b") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SetupError(
                        f"timed out after {timeout:g}s waiting for the cache lock {path}"
                        " (another run is building the VM image)"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class _Slice:
    """A read-only window ``[offset, offset + size)`` of a file, for streaming one ar member."""

    def __init__(self, fh: BinaryIO, offset: int, size: int) -> None:
        self._fh, self._left = fh, size
        fh.seek(offset)

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left)
        data = self._fh.read(n)
        self._left -= len(data)
        return data


def _ar_members(fh: BinaryIO) -> Iterator[tuple[str, int, int]]:
    """(name, offset, size) of each member of an ar archive (the .deb container)."""
    if fh.read(8) != b"!<arch>\n":
        raise SetupError("not a .deb (ar) archive")
    while True:
        header = fh.read(60)
        if len(header) < 60:
            return
        if header[58:60] != b"`\n":
            raise SetupError("corrupt .deb: bad ar member header")
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        offset = fh.tell()
        yield name, offset, size
        fh.seek(offset + size + (size & 1))


def extract_deb(deb: Path, dest: Path, wanted: Callable[[str], bool]) -> list[str]:
    """Extract the regular files of ``deb``'s data.tar that ``wanted`` accepts; return them.

    Paths are normalised to ``lib/...`` (``./`` and a ``usr/`` merge prefix dropped).
    """
    modes = {
        "data.tar.xz": "r|xz",
        "data.tar.gz": "r|gz",
        "data.tar.bz2": "r|bz2",
        "data.tar": "r|",
    }
    extracted = []
    with open(deb, "rb") as fh:
        for name, offset, size in list(_ar_members(fh)):
            if not name.startswith("data.tar"):
                continue
            if name not in modes:
                raise SetupError(f"{deb.name}: {name} is not supported (xz, gz or bz2 expected)")
            try:
                with tarfile.open(fileobj=_Slice(fh, offset, size), mode=modes[name]) as tar:  # type: ignore[call-overload]
                    for member in tar:
                        path = member.name.removeprefix("./").removeprefix("usr/")
                        if not (member.isfile() and wanted(path)):
                            continue
                        src = tar.extractfile(member)
                        assert src is not None  # regular file
                        target = dest / path
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with open(target, "wb") as out:
                            shutil.copyfileobj(src, out)
                        target.chmod(member.mode & 0o755)
                        extracted.append(path)
            except (tarfile.TarError, lzma.LZMAError, EOFError) as exc:
                raise SetupError(f"cannot unpack {deb.name}: {exc}") from exc
            return extracted
    raise SetupError(f"{deb.name} has no data.tar member")


def vmlinux_from_bzimage(bzimage: bytes) -> bytes | None:
    """The ELF vmlinux inside an XZ-compressed bzImage, or None if there is none.

    QEMU boots the ELF through its PVH entry point, which skips the in-guest decompression
    (about 2.5 s under TCG). busybox xz cannot do this: it lacks the x86 BCJ filter.
    """
    start = bzimage.find(XZ_MAGIC)
    if start < 0:
        return None
    try:
        data = lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(bzimage[start:])
    except lzma.LZMAError:
        return None
    return data if data.startswith(ELF_MAGIC) else None


def kernel_config_value(config_text: str, key: str) -> str | None:
    """``y``/``m``/a number for ``key`` in a kernel .config, None when unset."""
    prefix = key + "="
    for line in config_text.splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    return None


def _wanted_kernel_file(path: str) -> bool:
    parts = path.split("/")
    if parts[0] == "boot":
        return len(parts) == 2 and parts[1].startswith(("vmlinuz-", "config-"))
    if parts[:2] != ["lib", "modules"] or len(parts) < 4:
        return False
    if parts[3].startswith("modules.builtin"):
        return len(parts) == 4
    rel = "/".join(parts[4:])
    return parts[3] == "kernel" and any(rel == p or rel.startswith(p + "/") for p in MODULE_PATHS)


def _busybox(cache: Path, apt: Apt, work: Path) -> Path:
    busybox = cache / "busybox"
    if not os.access(busybox, os.X_OK):
        deb = apt.download(BUSYBOX_PACKAGE, work)
        extract_deb(deb, work / "bbx", lambda p: p == "bin/busybox")
        if not (work / "bbx/bin/busybox").is_file():
            raise SetupError(f"{deb.name} has no bin/busybox")
        shutil.copy2(work / "bbx/bin/busybox", work / "busybox")
        (work / "busybox").chmod(0o755)
        os.replace(work / "busybox", busybox)
    return busybox


def _initramfs(
    busybox: Path, kroot: Path, kver: str, init_script: bytes, *, work: Path, out: Path
) -> None:
    ird = work / "initramfs"
    for d in ("bin", "dev", "proc", "sys", "host", "ctl", "etc", "tmp"):
        (ird / d).mkdir(parents=True)
    shutil.copy2(busybox, ird / "bin/busybox")
    applets = run_step("busybox --list", [str(busybox), "--list"], timeout=30).split()
    for applet in applets:
        if applet != "busybox":
            (ird / "bin" / applet).symlink_to("busybox")
    mods = ird / "lib/modules" / kver
    for rel in MODULE_PATHS:
        src = kroot / "lib/modules" / kver / "kernel" / rel
        if not src.exists():
            raise SetupError(f"kernel package has no {rel} (needed in the guest)")
        dst = mods / "kernel" / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    for builtin in (kroot / "lib/modules" / kver).glob("modules.builtin*"):
        shutil.copy2(builtin, mods / builtin.name)
    run_step("busybox depmod", [str(busybox), "depmod", "-b", str(ird), kver], timeout=60)
    (ird / "etc/vm-modules").write_text(" ".join(MODULES) + "\n")
    (ird / "init").write_bytes(init_script)
    (ird / "init").chmod(0o755)
    names = [".", *sorted(str(p.relative_to(ird)) for p in ird.rglob("*"))]
    with open(out, "wb") as fh:
        proc = subprocess.run(
            [str(busybox), "cpio", "-o", "-H", "newc"],
            cwd=ird,
            input="\n".join(names).encode() + b"\n",
            stdout=fh,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    if proc.returncode != 0:
        raise SetupError(f"busybox cpio failed: {proc.stderr.decode(errors='replace').strip()}")


def build_image(cache: Path, package: str, apt: Apt, init_script: bytes) -> Image:
    """Download and unpack ``package``, then write vmlinux, initramfs and stamp (stamp last)."""
    for stale in cache.glob("build.*"):
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix="build.", dir=cache))
    try:
        log.info("building the VM image for %s in %s (one-time)", package, cache)
        busybox = _busybox(cache, apt, work)
        deb = apt.download(package, work)
        kroot = work / "k"
        extract_deb(deb, kroot, _wanted_kernel_file)
        vmlinuz = sorted((kroot / "boot").glob("vmlinuz-*"))
        if not vmlinuz:
            raise SetupError(f"{deb.name} has no boot/vmlinuz-*")
        kver = vmlinuz[0].name.removeprefix("vmlinuz-")
        config = (kroot / "boot" / f"config-{kver}").read_text(errors="replace")
        for key in REQUIRED_CONFIG:
            if kernel_config_value(config, key) not in ("y", "m"):
                raise SetupError(f"{package} lacks {key} (use a Debian linux-image-*-amd64 kernel)")
        hz = int(kernel_config_value(config, "CONFIG_HZ") or "250")
        directory = cache / package
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        vmlinux = vmlinux_from_bzimage(vmlinuz[0].read_bytes())
        if vmlinux is None:
            log.warning("no XZ-compressed ELF in %s; booting the bzImage (slower)", vmlinuz[0].name)
            shutil.copy2(vmlinuz[0], directory / "vmlinux")
        else:
            (directory / "vmlinux").write_bytes(vmlinux)
        _initramfs(busybox, kroot, kver, init_script, work=work, out=directory / "initrd.cpio")
        (directory / "kernel-release").write_text(kver + "\n")
        (directory / "hz").write_text(f"{hz}\n")
        (directory / "stamp").write_text(stamp_text(package, init_script))
        return Image(directory, package, kver, hz)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def prune_runs(runs: Path, max_age: float = 6 * 3600) -> None:
    """Remove run directories left by runs killed before their cleanup (older than max_age)."""
    now = time.time()
    for run in runs.glob("run.*"):
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(run.lstat().st_mode) and now - run.lstat().st_mtime > max_age:
                shutil.rmtree(run, ignore_errors=True)
