"""A pre-virtualized guest (``vtrans rewrite``, assembled and linked by GNU as/ld) as one VM
of several: its output is QEMU's, as when the unmodified kernel runs on QEMU."""

from __future__ import annotations

import subprocess
import sys

from helpers import output_of, qemu_expected, sample
from vtrans.runtime.hypervisor import ConsoleMediator, Hypervisor, VmSpec, VmState


def test_previrt_vm_beside_native_and_trap(tmp_path, arm_as, arm_ld):
    rewritten = tmp_path / "victim_rw.s"
    r = subprocess.run([sys.executable, "-m", "vtrans", "rewrite", "-q", sample("victim")[0], "-o", str(rewritten)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    obj, elf = tmp_path / "victim.o", tmp_path / "victim.elf"
    subprocess.run([arm_as, str(rewritten), "-o", str(obj)], check=True, timeout=60)
    subprocess.run([arm_ld, "-Ttext=0x10000", str(obj), "-o", str(elf)], check=True, timeout=60)
    out = bytearray()
    specs = [VmSpec("victim", (str(elf),), "previrt"), VmSpec("pingpong_a", sample("pingpong_a"), "trap"),
             VmSpec("pingpong_b", sample("pingpong_b"))]
    hv = Hypervisor(specs, board="versatilepb", console=ConsoleMediator(sink=out.extend), slice_insns=2_000)
    hv.run()
    text = out.decode()
    assert output_of(text, "victim") == qemu_expected("victim")
    assert all(vm.state == VmState.STOPPED for vm in hv.vms), [vm.message for vm in hv.vms]
    stats = {d["name"]: d for d in hv.stats()["vms"]}
    assert stats["victim"]["mode"] == "previrt"
    assert stats["pingpong_a"]["messages"]["received"] == stats["pingpong_b"]["messages"]["sent"] == 8
