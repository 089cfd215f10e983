"""Host-side tests of the kernel VM harness and its pytest bridge (no VM is booted here)."""

from __future__ import annotations

import io
import json
import lzma
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # `tools` is not installed; import it from this checkout
    sys.path.insert(0, str(_ROOT))

from tools.kernelvm import (  # noqa: E402
    Interface,
    SetupError,
    Status,
    VmConfig,
    VmConfigError,
    VmResult,
)
from tools.kernelvm import pytest_bridge as bridge  # noqa: E402
from tools.kernelvm.config import parse_interfaces  # noqa: E402
from tools.kernelvm.image import (  # noqa: E402
    Image,
    cache_lock,
    extract_deb,
    load_image,
    stamp_text,
    vmlinux_from_bzimage,
)
from tools.kernelvm.job import guest_config, job_script  # noqa: E402
from tools.kernelvm.qemu import (  # noqa: E402
    choose_machine,
    kernel_cmdline,
    parse_tsc_khz,
    qemu_command,
)
from tools.kernelvm.result import BootObservation, classify, retryable  # noqa: E402

pytest_plugins = ["pytester"]

TIMERS = {"timeout": 600.0, "boot_timeout": 30.0, "hard_limit": 660.0}


def observe(**kw: object) -> BootObservation:
    fields: dict[str, object] = {
        "booted": True,
        "rc_text": None,
        "init_error": None,
        "guest_timed_out": False,
        "killed_by": None,
        "qemu_returncode": 0,
    }
    fields.update(kw)
    return BootObservation(**fields)  # type: ignore[arg-type]


# --- result classification: a VM failure never looks like a command status, and vice versa ---


def test_command_status_is_passed_through() -> None:
    result = classify(observe(rc_text="3\n"), **TIMERS)
    assert (result.status, result.exit_code, result.cli_exit_code) == (Status.EXITED, 3, 3)
    assert not result.vm_failed


def test_command_exiting_124_itself_is_not_reported_as_a_timeout() -> None:
    result = classify(observe(rc_text="124"), **TIMERS)
    assert result.status is Status.EXITED
    assert result.timer is None


def test_guest_timer_is_a_timeout_whatever_status_the_killed_command_left() -> None:
    result = classify(observe(rc_text="143", guest_timed_out=True), **TIMERS)
    assert result.status is Status.TIMED_OUT
    assert result.timer == "command timeout"
    assert "600s" in result.reason
    assert result.cli_exit_code == 124


def test_host_hard_limit_is_named() -> None:
    result = classify(observe(killed_by="host hard limit", qemu_returncode=-9), **TIMERS)
    assert (result.status, result.timer, result.cli_exit_code) == (
        Status.TIMED_OUT,
        "host hard limit",
        124,
    )
    assert "660s" in result.reason


def test_boot_hang_is_a_boot_failure_and_retried() -> None:
    obs = observe(booted=False, killed_by="boot watchdog", qemu_returncode=-9)
    result = classify(obs, **TIMERS)
    assert result.status is Status.BOOT_FAILED
    assert "30s (boot watchdog)" in result.reason
    assert result.cli_exit_code == 125
    assert retryable(obs)


def test_qemu_refusing_to_start_is_not_retried_and_its_message_shown() -> None:
    obs = observe(
        booted=False,
        qemu_returncode=1,
        qemu_log="qemu-system-x86_64: -kernel /x/vmlinux: could not open kernel file\n",
    )
    result = classify(obs, **TIMERS)
    assert result.status is Status.BOOT_FAILED
    assert "could not open kernel file" in result.reason
    assert not retryable(obs)


def test_guest_init_failure_is_a_boot_failure_not_a_command_status() -> None:
    obs = observe(booted=False, init_error="mount of the host root\n")
    result = classify(obs, **TIMERS)
    assert result.status is Status.BOOT_FAILED
    assert result.exit_code is None
    assert "guest init failed: mount of the host root" in result.reason
    assert not retryable(obs)


def test_death_after_the_command_started_is_a_crash_with_the_panic_line() -> None:
    console = "vm-init: 3.1s running command\n[ 9.9] Kernel panic - not syncing: Out of memory\n"
    result = classify(observe(console=console), **TIMERS)
    assert result.status is Status.CRASHED
    assert "Kernel panic - not syncing: Out of memory" in result.reason
    assert result.vm_failed and result.started
    assert "running command" in result.console_tail


def test_garbled_exit_status_file_never_passes_as_a_status() -> None:
    result = classify(observe(rc_text=""), **TIMERS)
    assert result.status is Status.CRASHED
    assert result.exit_code is None


# --- what the guest is handed: run by the real shells it is written for ---


def test_job_script_recreates_env_cwd_and_exact_arguments(tmp_path: Path) -> None:
    weird = "a 'quoted' \"value\" with $HOME, `ticks` and\na newline"
    args = ["two words", "$HOME", "'", "--"]
    probe = "import json, os, sys; print(json.dumps([os.getcwd(), sys.argv[1:], os.environ['W']]))"
    env = {"W": weird, "UID": "4242", "BASH_FUNC_f%%": "() { :; }", "PATH": os.environ["PATH"]}
    script = tmp_path / "job.sh"
    script.write_text(job_script([sys.executable, "-c", probe, *args], str(tmp_path), env))
    proc = subprocess.run(
        ["env", "-i", "bash", str(script)], capture_output=True, text=True, check=True, cwd="/"
    )
    assert json.loads(proc.stdout) == [str(tmp_path), args, weird]
    assert proc.stderr == ""  # UID (read-only in bash) and function exports were left out


def test_job_script_refuses_an_empty_command() -> None:
    with pytest.raises(ValueError, match="empty command"):
        job_script([], "/", {})


def test_guest_config_as_the_guest_shell_reads_it(tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    ifaces = [Interface("vcan0", 16), Interface("vcan1", 72)]
    cfg.write_text(guest_config(timeout=2.5, interfaces=ifaces, learn_tsc=True))
    out = subprocess.run(
        ["sh", "-c", f'. {cfg}; echo "$VM_TIMEOUT|$VM_IFACES|$VM_LEARN_TSC"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == "3|vcan0:16 vcan1:72|1\n"  # the timer rounds up, never cuts a run short


# --- configuration ---


def test_interfaces_default_to_classic_vcan0_and_fd_vcan1() -> None:
    assert VmConfig(cache_dir=Path("/c")).interfaces == (
        Interface("vcan0", 16),
        Interface("vcan1", 72),
    )


def test_interface_spec_parses_names_and_mtus() -> None:
    assert parse_interfaces("can9:72, vcan3") == (Interface("can9", 72), Interface("vcan3", 16))


@pytest.mark.parametrize(
    ("spec", "message"),
    [("vcan0:64", "mtu 64"), ("vcan0;reboot", "bad interface name"), ("a b a", "duplicate")],
)
def test_bad_interface_specs_are_refused_with_the_reason(spec: str, message: str) -> None:
    with pytest.raises(VmConfigError, match=message):
        parse_interfaces(spec)


def test_env_knobs_are_read_and_bad_numbers_named() -> None:
    cfg = VmConfig.from_env(
        {"DIAGKIT_VM_CACHE": "/x/cache", "DIAGKIT_VM_TIMEOUT": "90", "DIAGKIT_VM_MACHINE": "pc"}
    )
    assert (cfg.cache_dir, cfg.timeout, cfg.machine, cfg.hard_limit) == (
        Path("/x/cache"),
        90.0,
        "pc",
        150.0,
    )
    assert VmConfig.from_env({"HOME": "/h"}).cache_dir == Path("/h/.cache/diagkit-kernel-vm")
    with pytest.raises(VmConfigError, match="DIAGKIT_VM_BOOT_TIMEOUT"):
        VmConfig.from_env({"DIAGKIT_VM_BOOT_TIMEOUT": "soon"})
    with pytest.raises(VmConfigError, match="machine"):
        VmConfig.from_env({"DIAGKIT_VM_MACHINE": "q35"})


# --- QEMU command line ---


def test_machine_is_microvm_only_once_the_tsc_is_known() -> None:
    assert choose_machine("auto", None) == "pc"
    assert choose_machine("auto", 2_600_000) == "microvm"
    assert choose_machine("pc", 2_600_000) == "pc"


def test_microvm_gets_the_learned_tsc_and_the_matching_loops_per_jiffy() -> None:
    args = kernel_cmdline("microvm", 2_600_000, 250).split()
    assert "tsc_early_khz=2600000" in args
    assert "lpj=10400000" in args  # 2 600 000 kHz * 1000 / HZ 250
    assert "tsc=reliable" in args and "panic=-1" in args
    assert not any(
        a.startswith(("tsc_early_khz", "lpj")) for a in kernel_cmdline("pc", None, 250).split()
    )


@pytest.mark.parametrize(
    ("text", "khz"), [("2595124\n", 2595124), ("", None), ("12", None), ("2.5e6", None)]
)
def test_learned_tsc_is_accepted_only_when_plausible(text: str, khz: int | None) -> None:
    assert parse_tsc_khz(text) == khz


def test_qemu_command_uses_mmio_on_microvm_and_escapes_commas(tmp_path: Path) -> None:
    image_dir = tmp_path / "img"
    image = _fake_image(image_dir)
    argv = qemu_command(
        image=image,
        machine="microvm",
        cpus=1,
        memory_mib=2048,
        run_dir=tmp_path / "run",
        rw_dirs=[Path("/data/a,b")],
        cmdline="console=ttyS0",
    )
    assert argv[argv.index("-M") + 1] == "microvm"
    assert "virtio-9p-device,fsdev=rw0,mount_tag=rw0" in argv
    assert "local,id=rw0,path=/data/a,,b,security_model=none,multidevs=remap" in argv
    assert "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap" in argv
    assert not any("pci" in a for a in argv)


# --- the image cache ---


def _fake_image(
    directory: Path, package: str = "linux-image-9-amd64", init: bytes = b"#!/bin/sh\n"
) -> Image:
    directory.mkdir(parents=True)
    for name, text in [
        ("vmlinux", "x"),
        ("initrd.cpio", "x"),
        ("kernel-release", "9-amd64\n"),
        ("hz", "250\n"),
    ]:
        (directory / name).write_text(text)
    (directory / "stamp").write_text(stamp_text(package, init))
    image = load_image(directory, package, init)
    assert image is not None
    return image


def test_cache_is_reused_only_with_a_matching_stamp(tmp_path: Path) -> None:
    image = _fake_image(tmp_path / "k")
    assert (image.kernel_release, image.hz) == ("9-amd64", 250)
    assert load_image(tmp_path / "k", "linux-image-9-amd64", b"#!/bin/sh\necho changed\n") is None
    assert load_image(tmp_path / "k", "linux-image-10-amd64", b"#!/bin/sh\n") is None
    (tmp_path / "k" / "vmlinux").unlink()
    assert load_image(tmp_path / "k", "linux-image-9-amd64", b"#!/bin/sh\n") is None


def test_cache_lock_times_out_with_a_reason_while_another_run_holds_it(tmp_path: Path) -> None:
    with (
        cache_lock(tmp_path / "lock", timeout=5),
        pytest.raises(SetupError, match="waiting for the cache lock"),
        cache_lock(tmp_path / "lock", timeout=0.3),
    ):
        pass  # pragma: no cover - never entered
    with cache_lock(tmp_path / "lock", timeout=0.3):
        pass  # released again


def _ar_member(name: str, data: bytes) -> bytes:
    # ar(5): 16-byte name, 12 mtime, 6 uid, 6 gid, 8 mode (octal), 10 size, "`\n"; even padding
    header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}".encode() + b"`\n"
    return header + data + (b"\n" if len(data) % 2 else b"")


def test_deb_extraction_keeps_wanted_files_and_drops_the_usr_merge_prefix(tmp_path: Path) -> None:
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w:xz") as tar:
        for name, data in [
            ("./boot/vmlinuz-9-amd64", b"kernel"),
            ("./usr/lib/modules/9-amd64/kernel/net/can/can-isotp.ko", b"isotp"),
            ("./usr/share/doc/readme", b"doc"),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    deb = tmp_path / "k.deb"
    deb.write_bytes(
        b"!<arch>\n"
        + _ar_member("debian-binary", b"2.0\n")
        + _ar_member("control.tar.xz", b"ctl")
        + _ar_member("data.tar.xz", tar_bytes.getvalue())
    )
    got = extract_deb(deb, tmp_path / "out", lambda p: not p.startswith("share/"))
    assert sorted(got) == [
        "boot/vmlinuz-9-amd64",
        "lib/modules/9-amd64/kernel/net/can/can-isotp.ko",
    ]
    assert (
        tmp_path / "out/lib/modules/9-amd64/kernel/net/can/can-isotp.ko"
    ).read_bytes() == b"isotp"


def test_not_a_deb_is_a_setup_error(tmp_path: Path) -> None:
    (tmp_path / "x.deb").write_bytes(b"PK\x03\x04 zip, not ar")
    with pytest.raises(SetupError, match=r"not a \.deb"):
        extract_deb(tmp_path / "x.deb", tmp_path, lambda p: True)


def test_vmlinux_is_the_elf_behind_the_xz_magic_of_a_bzimage() -> None:
    elf = b"\x7fELF\x02\x01\x01" + bytes(100)
    bzimage = b"MZ setup code " + lzma.compress(elf, format=lzma.FORMAT_XZ) + b"\x00trailer"
    assert vmlinux_from_bzimage(bzimage) == elf
    assert vmlinux_from_bzimage(b"MZ " + lzma.compress(b"not elf", format=lzma.FORMAT_XZ)) is None
    assert vmlinux_from_bzimage(b"MZ no payload") is None


# --- the pytest bridge ---


def _sysfs(tmp_path: Path, name: str, mtu: int, flags: str) -> Path:
    (tmp_path / name).mkdir()
    (tmp_path / name / "mtu").write_text(f"{mtu}\n")
    (tmp_path / name / "flags").write_text(f"{flags}\n")
    return tmp_path


def test_interface_check_says_how_to_fix_each_problem(tmp_path: Path) -> None:
    missing = bridge.interface_problem("vcan1", 72, tmp_path)
    assert missing is not None
    assert "ip link add dev vcan1 type vcan; ip link set vcan1 mtu 72 up" in missing
    _sysfs(tmp_path, "vcan0", 16, "0xc1")  # IFF_UP | IFF_NOARP | IFF_RUNNING
    assert bridge.interface_problem("vcan0", 16, tmp_path) is None
    assert "ip link set vcan0 mtu 72" in (bridge.interface_problem("vcan0", 72, tmp_path) or "")
    _sysfs(tmp_path, "vcan2", 16, "0x80")  # down
    assert "ip link set vcan2 up" in (bridge.interface_problem("vcan2", 16, tmp_path) or "")


def _vm(**kw: object) -> bridge.VmSummary:
    fields: dict[str, object] = {"could_not_start": False, "ended_early": False, "reason": "r"}
    fields.update(kw)
    return bridge.VmSummary(**fields)  # type: ignore[arg-type]


def test_verdicts_follow_the_inner_outcome_even_if_the_vm_died_later() -> None:
    crashed = _vm(ended_early=True, reason="VM died", kernel_release="6.1.0-9-amd64")
    assert bridge.proxy_verdict(bridge.InnerResult("t", "passed"), crashed) == bridge.Verdict(
        "pass"
    )
    fail = bridge.proxy_verdict(bridge.InnerResult("t", "failed", "assert 1 == 2"), crashed)
    assert fail.action == "fail"
    assert "Linux 6.1.0-9-amd64" in fail.message and "assert 1 == 2" in fail.message
    skip = bridge.proxy_verdict(bridge.InnerResult("t", "skipped", skip_reason="no vcan9"), crashed)
    assert skip.action == "skip" and "no vcan9" in skip.message
    xfail = bridge.proxy_verdict(bridge.InnerResult("t", "xfailed", skip_reason="known"), crashed)
    assert xfail == bridge.Verdict("xfail", "known")


def test_vm_that_never_started_skips_with_its_reason() -> None:
    v = bridge.proxy_verdict(None, _vm(could_not_start=True, reason="apt-get install qemu failed"))
    assert v == bridge.Verdict("skip", "kernel VM could not start: apt-get install qemu failed")


def test_tests_left_without_result_by_a_dead_vm_fail() -> None:
    v = bridge.proxy_verdict(None, _vm(ended_early=True, reason="command timed out after 60s"))
    assert v.action == "fail" and "command timed out after 60s" in v.message
    v = bridge.proxy_verdict(None, _vm(exit_code=2), detail="collection error in the VM: boom")
    assert v.action == "fail"
    assert "pytest exit status 2" in v.message and "boom" in v.message


def test_unreadable_result_files_are_ignored(tmp_path: Path) -> None:
    bridge.write_json(tmp_path / "a.json", {"nodeid": "t::a", "outcome": "passed"})
    (tmp_path / "b.json").write_text('{"nodeid": "t::b", "outc')
    (tmp_path / "c.json").write_text('{"nodeid": "t::c", "outcome": "great"}')
    bridge.write_json(tmp_path / bridge.SESSION_FILE, {"exitstatus": 0})
    assert list(bridge.load_results(tmp_path)) == ["t::a"]


KERNEL_TESTS = """
import pytest

def test_ok(classic_iface):
    pass

def test_bad():
    assert 1 == 2, "inner failure text"

def test_skipped():
    pytest.skip("needs vcan9")

@pytest.mark.xfail(reason="known kernel quirk")
def test_quirk():
    assert False

def test_teardown_error(broken_teardown):
    pass

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")
"""

CONFTEST = f"""
import sys
sys.path.insert(0, {str(_ROOT)!r})
from pathlib import Path
from tools.kernelvm.pytest_bridge import PLUGIN_NAME, KernelBridge, classic_iface, fd_iface

def pytest_configure(config):
    config.pluginmanager.register(KernelBridge(config, Path(__file__).parent), PLUGIN_NAME)
"""


@pytest.fixture
def kernel_project(pytester: pytest.Pytester) -> pytest.Pytester:
    kernel = pytester.mkdir("kernel")
    (kernel / "conftest.py").write_text(CONFTEST)
    (kernel / "test_k.py").write_text(KERNEL_TESTS)
    pytester.makepyfile(test_host="def test_host_side():\n    pass\n")
    return pytester


def test_inner_run_writes_one_result_per_selected_test(
    kernel_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bridge, "isotp_unavailable_reason", lambda: None)  # as inside the VM
    monkeypatch.setattr(bridge, "interface_problem", lambda name, mtu: None)
    select = tmp_path / "select"
    select.write_text(
        "".join(
            f"kernel/test_k.py::{n}\n"
            for n in ["test_ok", "test_bad", "test_skipped", "test_quirk", "test_teardown_error"]
        )
    )
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setenv(bridge.RESULTS_ENV, str(results))
    monkeypatch.setenv(bridge.SELECT_ENV, str(select))
    run = inner_pytest(kernel_project)
    run.assert_outcomes(passed=2, failed=1, skipped=1, xfailed=1, errors=1, deselected=1)
    got = {r.nodeid.split("::")[1]: r for r in bridge.load_results(results).values()}
    assert {k: r.outcome for k, r in got.items()} == {
        "test_ok": "passed",
        "test_bad": "failed",
        "test_skipped": "skipped",
        "test_quirk": "xfailed",
        "test_teardown_error": "failed",
    }
    assert "inner failure text" in got["test_bad"].longrepr
    assert got["test_skipped"].skip_reason == "needs vcan9"
    assert got["test_quirk"].skip_reason == "known kernel quirk"
    assert "[error in teardown]" in got["test_teardown_error"].longrepr
    assert "teardown broke" in got["test_teardown_error"].longrepr
    session = json.loads((results / bridge.SESSION_FILE).read_text())
    assert session["exitstatus"] == 1


def inner_pytest(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An in-process run of ``project``, without hypothesis (it would be re-imported each time)."""
    return project.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def _fake_vm(
    status: Status, outcomes: dict[str, str], reason: str = "r", exit_code: int | None = None
) -> tuple[Callable[..., VmResult], list[list[str]]]:
    """Stands in for tools.kernelvm.run: writes the given inner results, returns ``status``."""
    calls: list[list[str]] = []

    def run(
        cmd: Sequence[str], *, rw_dirs: Sequence[str], env: Mapping[str, str], stdout: Any, **_: Any
    ) -> VmResult:
        calls.append(list(cmd))
        for nodeid in Path(env[bridge.SELECT_ENV]).read_text().splitlines():
            name = nodeid.split("::")[1]
            if name in outcomes:
                res = {"nodeid": nodeid, "outcome": outcomes[name]}
                res |= {"longrepr": f"{name} inner", "skip_reason": f"{name} why"}
                bridge.write_json(Path(rw_dirs[0]) / bridge.result_filename(nodeid), res)
        stdout.write(b"inner output\n")
        return VmResult(status, reason, exit_code=exit_code, kernel_release="6.1.0-9-amd64")

    return run, calls


def test_host_proxies_replay_the_inner_outcomes_from_one_vm_run(
    kernel_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tools.kernelvm  # noqa: PLC0415

    monkeypatch.setattr(bridge, "isotp_unavailable_reason", lambda: "no CAN here")
    fake, calls = _fake_vm(
        Status.EXITED,
        {
            "test_ok": "passed",
            "test_bad": "failed",
            "test_skipped": "skipped",
            "test_quirk": "xfailed",
            "test_teardown_error": "failed",
        },
        exit_code=1,
    )
    monkeypatch.setattr(tools.kernelvm, "run", fake)
    run = inner_pytest(kernel_project, "-rA")
    run.assert_outcomes(passed=2, failed=2, skipped=1, xfailed=1)  # test_host_side runs on the host
    assert len(calls) == 1  # one VM for all kernel tests
    assert calls[0][1:5] == ["-m", "pytest", "-p", "no:cacheprovider"]
    assert calls[0][-1] == "kernel/test_k.py"
    run.stdout.fnmatch_lines(["*test_bad inner*", "*kernel 6.1.0-9-amd64*"])
    run.stdout.fnmatch_lines(["SKIPPED*test_skipped why"])


def test_host_proxies_skip_when_the_vm_cannot_start_and_fail_when_it_dies(
    kernel_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tools.kernelvm  # noqa: PLC0415

    monkeypatch.setattr(bridge, "isotp_unavailable_reason", lambda: "no CAN here")
    fake, _ = _fake_vm(Status.SETUP_FAILED, {}, reason="apt-get install qemu-system-x86 failed: E")
    monkeypatch.setattr(tools.kernelvm, "run", fake)
    run = inner_pytest(kernel_project, "-rA")
    run.assert_outcomes(passed=1, skipped=5)
    run.stdout.fnmatch_lines(
        ["*kernel VM could not start: apt-get install qemu-system-x86 failed: E*"]
    )

    fake, _ = _fake_vm(
        Status.CRASHED, {"test_ok": "passed"}, reason="VM died after the command started"
    )
    monkeypatch.setattr(tools.kernelvm, "run", fake)
    run = inner_pytest(kernel_project, "-rA")
    run.assert_outcomes(passed=2, failed=4)
    run.stdout.fnmatch_lines(["*VM died after the command started; this test reported no result*"])


def test_skip_knob_skips_kernel_tests_without_booting(
    kernel_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tools.kernelvm  # noqa: PLC0415

    monkeypatch.setattr(bridge, "isotp_unavailable_reason", lambda: "no CAN here")
    monkeypatch.setattr(tools.kernelvm, "run", None)  # calling it would fail the run
    monkeypatch.setenv(bridge.MODE_ENV, "skip")
    run = inner_pytest(kernel_project, "-rA")
    run.assert_outcomes(passed=1, skipped=5)
    reason = "DIAGKIT_KERNEL_TESTS=skip: kernel tests not run (this host has no kernel ISO-TP"
    run.stdout.fnmatch_lines([f"*{reason}: no CAN here)*"])
    run = inner_pytest(kernel_project, "-m", "not kernel")
    run.assert_outcomes(passed=1, deselected=5)  # the marker is there before -m selects


ROOT_CONFTEST = f"""
import sys
sys.path.insert(0, {str(_ROOT)!r})
from pathlib import Path
import pytest
from tools.kernelvm.pytest_bridge import PLUGIN_NAME, KernelBridge, classic_iface, fd_iface

def pytest_configure(config):
    config.pluginmanager.register(
        KernelBridge(config, Path(__file__).parent / "kernel"), PLUGIN_NAME
    )

@pytest.fixture(params=["memory", pytest.param("kernel", marks=pytest.mark.kernel)])
def backend(request):
    return request.param
"""

BACKEND_TESTS = """
def test_round_trip(backend):
    assert backend == "memory", "the kernel parameter ran on the host"
"""


def test_kernel_marked_parameters_outside_the_kernel_dir_run_in_the_vm_only(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tools.kernelvm  # noqa: PLC0415

    pytester.makeconftest(ROOT_CONFTEST)
    pytester.makepyfile(test_suite=BACKEND_TESTS)
    pytester.makeini("[pytest]\nmarkers =\n    kernel: needs kernel ISO-TP\n")
    monkeypatch.setattr(bridge, "isotp_unavailable_reason", lambda: "no CAN here")
    selected: list[str] = []
    fake, calls = _fake_vm(Status.EXITED, {"test_round_trip[kernel]": "failed"}, exit_code=1)

    def run(cmd: Sequence[str], *, env: Mapping[str, str], **kwargs: Any) -> VmResult:
        selected.extend(Path(env[bridge.SELECT_ENV]).read_text().splitlines())
        return fake(cmd, env=env, **kwargs)

    monkeypatch.setattr(tools.kernelvm, "run", run)
    result = inner_pytest(pytester, "-rA", "--strict-markers")
    result.assert_outcomes(passed=1, failed=1)  # memory on the host, kernel replayed from the VM
    assert selected == ["test_suite.py::test_round_trip[kernel]"]
    assert calls[0][-1] == "test_suite.py"
    result.stdout.fnmatch_lines(["*test_round_trip[[]kernel[]] inner*"])
    assert inner_pytest(pytester, "-m", "not kernel").ret == 0
