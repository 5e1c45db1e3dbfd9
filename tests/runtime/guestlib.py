"""Helpers of the runtime tests: small guests built with the GNU toolchain, and runs of the
same image on qemu-system-arm (the reference) and on vtrans."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

GUESTS = Path(__file__).resolve().parent / "guests"

#: per board: (RAM base, GIC distributor, GIC CPU interface) -- QEMU 7.2's memory maps
BOARD_LAYOUT = {
    "versatilepb": (0x00000000, None, None),
    "realview-pb-a8": (0x70000000, 0x1E001000, 0x1E000000),
    "vexpress-a9": (0x60000000, 0x1E001000, 0x1E000100),
    "virt": (0x40000000, 0x08000000, 0x08010000),
}


@dataclass(frozen=True)
class Run:
    stdout: bytes
    semihost: bytes  # the semihosting console (SYS_WRITEC / SYS_WRITE0)
    stderr: bytes
    returncode: int


class GuestBuilder:
    def __init__(self, tmp: Path, arm_as: str, arm_ld: str):
        self.tmp, self.arm_as, self.arm_ld = tmp, arm_as, arm_ld

    def build(self, source: Path, board: str, *, name: str | None = None, text: int | None = None,
              defsyms: dict[str, int] | None = None) -> Path:
        """Assemble and link ``source`` for ``board`` (text at RAM base + 0x10000 by default)."""
        ram, gicd, gicc = BOARD_LAYOUT[board]
        syms = {"RAM": ram, "SCRATCH": ram + 0x100000}
        if gicd is not None:
            syms.update(GICD=gicd, GICC=gicc)
        syms.update(defsyms or {})
        stem = name or f"{source.stem}_{board}"
        obj, elf = self.tmp / f"{stem}.o", self.tmp / f"{stem}.elf"
        # (.include "puthex.inc" and the like: next to the source, or the shared guests')
        cmd = [self.arm_as, "-I", str(source.parent), "-I", str(GUESTS), "-o", str(obj), str(source)]
        for k, v in syms.items():
            cmd += ["--defsym", f"{k}=0x{v:x}"]
        subprocess.run(cmd, check=True, capture_output=True)
        base = ram + 0x10000 if text is None else text
        subprocess.run([self.arm_ld, f"-Ttext=0x{base:x}", "-o", str(elf), str(obj)], check=True,
                       capture_output=True)
        return elf

    def raw(self, elf: Path) -> Path:
        """``elf`` as a raw image (``objcopy -O binary``, what ``qemu -kernel kernel.bin`` takes),
        next to it."""
        image = elf.with_name(f"{elf.stem}_raw.bin")
        subprocess.run([self.arm_ld.replace("-ld", "-objcopy"), "-O", "binary", str(elf), str(image)], check=True)
        return image

    def build_text(self, source: str, board: str, name: str) -> Path:
        """``build`` a generated program: ``source`` written to ``name``.s first."""
        path = self.tmp / f"{name}.s"
        path.write_text(source)
        return self.build(path, board, name=name)


def qemu_reference(qemu: str, image: Path, board: str, **options) -> Run:
    """QEMU's run of ``image`` (``qemu_run``), the reference: it must end with the guest's own
    semihosting exit, code 0."""
    ref = qemu_run(qemu, image, board, **options)
    assert ref.returncode == 0, f"qemu: {ref.stderr.decode()[-500:]}"
    return ref


def qemu_run(qemu: str, image: Path, board: str, *, icount_shift: int | None = None,
             stdin: bytes | None = None, timeout: float = 30, serial: str = "stdio") -> Run:
    semihost = image.with_suffix(".qemu-semihost")
    semihost.unlink(missing_ok=True)
    cmd = [qemu, "-M", board]
    if board == "virt":
        # (QEMU's deterministic device tree: with dtb-randomness on, /chosen gets fresh random
        # seeds every run; vtrans loads the tree QEMU makes with it off)
        cmd = [qemu, "-M", "virt,dtb-randomness=off", "-cpu", "cortex-a15", "-nic", "none"]
    cmd += ["-kernel", str(image), "-display", "none", "-serial", serial, "-monitor", "none",
            "-chardev", f"file,id=sh,path={semihost}",
            "-semihosting-config", "enable=on,target=native,chardev=sh"]
    if icount_shift is not None:
        cmd += ["-icount", f"shift={icount_shift},sleep=off"]
    proc = subprocess.run(cmd, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=timeout, env=dict(os.environ, QEMU_AUDIO_DRV="none"))
    return Run(proc.stdout, semihost.read_bytes() if semihost.exists() else b"", proc.stderr, proc.returncode)


def vtrans_run(image: Path | str, board: str, *extra: str, stdin: bytes | None = None,
               timeout: float = 60) -> Run:
    """``vtrans run`` in a subprocess; ``semihost`` is stderr without vtrans's summary lines."""
    cmd = [sys.executable, "-m", "vtrans", "run", "--board", board, str(image), *extra]
    proc = subprocess.run(cmd, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=timeout)
    lines = proc.stderr.split(b"\n")
    while lines and (lines[-1] == b"" or lines[-1].startswith(b"vtrans: ")):
        lines.pop()
    return Run(proc.stdout, b"\n".join(lines) + (b"\n" if lines else b""), proc.stderr, proc.returncode)


def vtrans_run_in(image: Path, board: str, mode: str) -> Run:
    """``vtrans run`` in ``mode``: native, trap, bt, or ``previrt:<strategy>`` (the image is
    rewritten as a binary first, next to it)."""
    if mode.startswith("previrt:"):
        from vtrans.translator.binary import rewrite_elf

        strategy = mode.split(":")[1]
        rewritten = image.with_name(f"{image.stem}.{strategy}.elf")
        rewritten.write_bytes(rewrite_elf(image.read_bytes(), strategy, name=str(image)).image)
        return vtrans_run(rewritten, board, "--mode", "previrt")
    return vtrans_run(image, board, "--mode", mode)


def guest_console(run: Run) -> str:
    """The guest's semihosting lines of a run: stderr before vtrans's summary (and, under the
    VMM, its statistics rows)."""
    return run.stderr.decode().split("vtrans: ")[0]
