#!/usr/bin/env python3
"""Build the ARM sample kernels with the GNU toolchain and run them on qemu-system-arm.

This script is the only producer of the samples' expected outputs: with
``--regen`` it rewrites each sample's ``expected.out`` (and ``expected.semihost``
where the manifest names one) from what QEMU printed; without it, it checks that
QEMU still prints exactly what is committed.

    python samples/arm/build.py                  # build + run + compare every sample
    python samples/arm/build.py hello mmu        # only these
    python samples/arm/build.py --regen hello    # record QEMU's output as the expectation
    python samples/arm/build.py --out /tmp/b     # keep the images (default: a temporary dir)
    python samples/arm/build.py --list           # what there is

Where QEMU sends a guest's output (measured on QEMU 7.2):
  * the board's first UART goes to ``-serial stdio``, i.e. QEMU's standard output;
  * semihosting console calls (SYS_WRITEC, SYS_WRITE0) go to QEMU's standard error
    unless the semihosting config names a chardev; we give it one (a file), so that
    the guest's semihosting text stays apart from QEMU's own diagnostics;
  * semihosting file calls (SYS_OPEN ":tt", SYS_WRITE) with ``target=native`` go to
    QEMU's own stdout/stderr file descriptors -- this is how newlib's printf prints.
    They are recorded as part of standard output (``expected``).
  * SYS_EXIT / SYS_EXIT_EXTENDED end QEMU with the guest's exit code.

The module is importable (``load_manifest``, ``build``, ``run_qemu``, ``check``)
so that test suites and the vtrans runtime's tests share one reading of the manifest.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "samples.toml"

#: cross tools, overridable for an unusual installation
AS = os.environ.get("ARM_AS", "arm-none-eabi-as")
LD = os.environ.get("ARM_LD", "arm-none-eabi-ld")
GCC = os.environ.get("ARM_GCC", "arm-none-eabi-gcc")
QEMU = os.environ.get("QEMU_SYSTEM_ARM", "qemu-system-arm")

DEFAULT_TIMEOUT = 20.0


class SampleError(Exception):
    """A sample failed to build, run, or match its expected output."""


@dataclass(frozen=True)
class Sample:
    """One ``[[sample]]`` entry of ``samples.toml`` (see the schema at its top)."""

    name: str
    board: str
    directory: Path
    kind: str = "kernel"
    cpu: str | None = None
    sources: tuple[str, ...] = ()
    base: int | None = None
    script: str | None = None
    c_sources: tuple[str, ...] = ()
    c_outputs: tuple[str, ...] = ()
    cflags: str = ""
    ldflags: str = ""
    icount_shift: int | None = None
    exit_code: int = 0
    expected: str = "expected.out"
    expected_semihost: str | None = None
    stdin: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    uses: tuple[str, ...] = ()
    description: str = ""

    @property
    def source_paths(self) -> list[Path]:
        return [self.directory / s for s in self.sources]

    @property
    def expected_path(self) -> Path:
        return self.directory / self.expected

    @property
    def semihost_path(self) -> Path | None:
        return self.directory / self.expected_semihost if self.expected_semihost else None

    def c_pairs(self) -> list[tuple[str, str]]:
        """(C file, committed ``.s`` file) pairs, both relative to the sample directory."""
        outs = list(self.c_outputs) or [Path(c).with_suffix(".s").name for c in self.c_sources]
        if len(outs) != len(self.c_sources):
            raise SampleError(f"{self.name}: c_outputs and c_sources differ in length")
        return list(zip(self.c_sources, outs))

    def qemu_command(self, image: Path, semihost_file: Path) -> list[str]:
        """The exact qemu-system-arm command line that produced the expected output."""
        cmd = [QEMU, "-M", self.board]
        if self.cpu:
            cmd += ["-cpu", self.cpu]
        cmd += [
            "-kernel", str(image),
            "-display", "none", "-serial", "stdio", "-monitor", "none",
            # QEMU option syntax: a comma inside a value is written twice
            "-chardev", f"file,id=semihost,path={str(semihost_file).replace(',', ',,')}",
            "-semihosting-config", "enable=on,target=native,chardev=semihost",
        ]
        if self.board == "virt":
            cmd += ["-nic", "none"]
        if self.icount_shift is not None:
            # sleep=off: when the CPU idles (wfi) virtual time jumps to the next timer
            # deadline instead of following the host clock -- deterministic and fast.
            cmd += ["-icount", f"shift={self.icount_shift},sleep=off"]
        return cmd


_INT_FIELDS = {"base", "icount_shift", "exit_code"}
_TUPLE_FIELDS = {"sources", "c_sources", "c_outputs", "uses"}


def load_manifest(path: Path = MANIFEST) -> list[Sample]:
    """Parse ``samples.toml`` into ``Sample`` records, checking names and files exist."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    known = {f.name for f in dataclasses.fields(Sample)} - {"directory"}
    samples: list[Sample] = []
    seen: set[str] = set()
    for entry in data.get("sample", []):
        unknown = set(entry) - known - {"dir"}
        if unknown:
            raise SampleError(f"{path}: sample {entry.get('name')!r}: unknown keys {sorted(unknown)}")
        fields = {k: v for k, v in entry.items() if k != "dir"}
        for k in _TUPLE_FIELDS & fields.keys():
            fields[k] = tuple(fields[k])
        name = fields["name"]
        if name in seen:
            raise SampleError(f"{path}: duplicate sample name {name!r}")
        seen.add(name)
        # several manifest entries may share one directory (a sample built per board)
        sample = Sample(directory=path.parent / entry.get("dir", name), **fields)
        if sample.kind == "kernel" and (sample.base is None) == (sample.script is None):
            raise SampleError(f"{path}: sample {name!r}: give exactly one of base or script")
        samples.append(sample)
    return samples


def find(name: str, path: Path = MANIFEST) -> Sample:
    """The manifest entry called ``name``."""
    for sample in load_manifest(path):
        if sample.name == name:
            return sample
    raise SampleError(f"no sample called {name!r} in {path}")


def _run(cmd: list[str], cwd: Path, what: str) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise SampleError(f"{what} failed: {shlex.join(cmd)}\n{proc.stderr.decode(errors='replace')}")
    return proc


def check_generated_asm(sample: Sample) -> list[str]:
    """Return a list of C files whose committed ``.s`` differs from ``gcc -S`` output."""
    stale = []
    for c_file, s_file in sample.c_pairs():
        proc = _run([GCC, *shlex.split(sample.cflags), "-S", "-o", "-", c_file], sample.directory, f"{sample.name}: gcc -S")
        if proc.stdout != (sample.directory / s_file).read_bytes():
            stale.append(f"{c_file} -> {s_file}")
    return stale


def regen_generated_asm(sample: Sample) -> None:
    for c_file, s_file in sample.c_pairs():
        proc = _run([GCC, *shlex.split(sample.cflags), "-S", "-o", "-", c_file], sample.directory, f"{sample.name}: gcc -S")
        _write_atomic(sample.directory / s_file, proc.stdout)


def build(sample: Sample, out_dir: Path) -> Path:
    """Assemble and link ``sample`` into ``out_dir/<name>/image.elf`` and return its path.

    Kernels: each source is assembled on its own (in manifest order) and the objects are
    linked in that order with ``ld -Ttext=<base>`` or ``ld -T <script>``; the entry is
    ``_start``.  libc programs: ``gcc <cflags> <c_sources> <ldflags>``.
    """
    work = out_dir / sample.name
    work.mkdir(parents=True, exist_ok=True)
    image = work / "image.elf"
    if sample.kind == "libc":
        cmd = [GCC, *shlex.split(sample.cflags), *sample.c_sources, *shlex.split(sample.ldflags), "-o", str(image)]
        _run(cmd, sample.directory, f"{sample.name}: gcc")
        return image
    objects = []
    for i, src in enumerate(sample.sources):
        obj = work / f"{i:02d}_{Path(src).stem}.o"
        _run([AS, "-o", str(obj), src], sample.directory, f"{sample.name}: as")
        objects.append(str(obj))
    layout = ["-T", sample.script] if sample.script else [f"-Ttext=0x{sample.base:x}"]
    _run([LD, *layout, *shlex.split(sample.ldflags), "-o", str(image), *objects], sample.directory, f"{sample.name}: ld")
    return image


@dataclass(frozen=True)
class QemuResult:
    stdout: bytes  # UART console (+ semihosting file writes to ":tt")
    semihost: bytes  # semihosting console (SYS_WRITEC / SYS_WRITE0)
    stderr: bytes  # QEMU's own diagnostics
    returncode: int
    command: tuple[str, ...]


def run_qemu(sample: Sample, image: Path) -> QemuResult:
    """Run ``image`` on qemu-system-arm the way the expected outputs were recorded."""
    semihost_file = image.parent / "semihost.out"
    semihost_file.unlink(missing_ok=True)
    cmd = sample.qemu_command(image, semihost_file)
    env = dict(os.environ, QEMU_AUDIO_DRV="none")
    stdin_data = (sample.directory / sample.stdin).read_bytes() if sample.stdin else None
    try:
        proc = subprocess.run(
            cmd,
            input=stdin_data,
            stdin=None if stdin_data is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=sample.timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as e:
        raise SampleError(
            f"{sample.name}: qemu did not finish within {sample.timeout} s: {shlex.join(cmd)}\n"
            f"output so far: {(e.stdout or b'')[-2000:].decode(errors='replace')}"
        ) from None
    semihost = semihost_file.read_bytes() if semihost_file.exists() else b""
    return QemuResult(proc.stdout, semihost, proc.stderr, proc.returncode, tuple(cmd))


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def check(sample: Sample, out_dir: Path, regen: bool = False) -> QemuResult:
    """Build and run ``sample``; compare with (or, with ``regen``, record) the expected output."""
    if sample.c_sources and sample.kind == "kernel":
        if regen:
            regen_generated_asm(sample)
        else:
            stale = check_generated_asm(sample)
            if stale:
                raise SampleError(f"{sample.name}: committed assembly is not what gcc -S produces: {', '.join(stale)}")
    image = build(sample, out_dir)
    result = run_qemu(sample, image)
    if regen:
        if result.returncode != sample.exit_code:
            raise SampleError(
                f"{sample.name}: qemu exited with {result.returncode}, manifest says {sample.exit_code}\n"
                f"{result.stderr.decode(errors='replace')}"
            )
        _write_atomic(sample.expected_path, result.stdout)
        if sample.semihost_path is not None:
            _write_atomic(sample.semihost_path, result.semihost)
        return result
    problems = []
    if result.returncode != sample.exit_code:
        problems.append(f"exit code {result.returncode}, expected {sample.exit_code}")
    if result.stdout != sample.expected_path.read_bytes():
        problems.append(f"stdout differs from {sample.expected}:\n{result.stdout[-3000:].decode(errors='replace')}")
    if sample.semihost_path is not None and result.semihost != sample.semihost_path.read_bytes():
        problems.append(f"semihosting console differs from {sample.expected_semihost}:\n{result.semihost.decode(errors='replace')}")
    if problems:
        raise SampleError(f"{sample.name}: " + "; ".join(problems) + f"\ncommand: {shlex.join(result.command)}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="samples to process (default: all)")
    parser.add_argument("--out", type=Path, help="build directory (default: a temporary one, removed afterwards)")
    parser.add_argument("--regen", action="store_true", help="rewrite expected outputs (and generated .s) from gcc and QEMU")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="QEMU instances in parallel")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--list", action="store_true", help="list the samples and exit")
    args = parser.parse_args(argv)

    try:
        samples = load_manifest(args.manifest)
    except (SampleError, OSError, tomllib.TOMLDecodeError, TypeError, KeyError) as e:
        print(f"error: {args.manifest}: {e}", file=sys.stderr)
        return 2
    if args.list:
        for s in samples:
            print(f"{s.name:24} {s.board:15} {s.description}")
        return 0
    if args.names:
        wanted = set(args.names)
        unknown = wanted - {s.name for s in samples}
        if unknown:
            parser.error(f"unknown samples: {', '.join(sorted(unknown))}")
        samples = [s for s in samples if s.name in wanted]
    for tool in (AS, LD, GCC, QEMU):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found (Debian: binutils-arm-none-eabi gcc-arm-none-eabi qemu-system-arm)", file=sys.stderr)
            return 2

    out_dir = args.out or Path(tempfile.mkdtemp(prefix="vtrans-samples-"))
    failures = 0
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {pool.submit(check, s, out_dir, args.regen): s for s in samples}
            for fut in concurrent.futures.as_completed(futures):
                sample = futures[fut]
                try:
                    fut.result()
                except (SampleError, OSError) as e:
                    failures += 1
                    print(f"FAIL {sample.name}: {e}", file=sys.stderr)
                else:
                    print(f"{'regen' if args.regen else 'ok   '} {sample.name}")
    finally:
        if args.out is None:
            shutil.rmtree(out_dir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
