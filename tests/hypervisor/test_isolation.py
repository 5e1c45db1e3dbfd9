"""Isolation: a hostile guest reaches nothing outside its partition; a dying guest is
stopped and reported while the others go on."""

from __future__ import annotations

import re

from helpers import GUESTS, guest, output_of, qemu_expected, run_alone, run_together, sample
from vtrans.runtime.hypervisor import VmSpec, VmState
from vtrans.runtime.hypervisor.console import MAX_LINE


def test_hostile_guest_cannot_touch_the_victim():
    # victim_bt keeps its translation cache at the very addresses the hostile guest writes and jumps to
    from vtrans.isa.arm.translate import ArmTranslator

    tc_base = re.search(r"\.equ\s+TC_BASE, (0x[0-9a-f]+)", (GUESTS / "hostile.s").read_text()).group(1)
    assert int(tc_base, 16) == ArmTranslator().geometry.base
    specs = [VmSpec("hostile", guest("hostile")), VmSpec("victim", sample("victim")),
             VmSpec("attacker", sample("attacker")), VmSpec("victim_bt", sample("victim"), "bt")]
    hv, text, states = run_together(specs, slice_insns=5_000)
    by_name = {vm.name: vm for vm in hv.vms}
    victim_alone = run_alone(sample("victim"))
    # the victim: output (QEMU's), final state and interrupts exactly as alone
    assert output_of(text, "victim") == victim_alone["out"] == qemu_expected("victim")
    assert states["victim"] == victim_alone["state"]
    assert by_name["victim"].stats.interrupts == victim_alone["stats"].interrupts
    assert output_of(text, "attacker") == qemu_expected("attacker")
    bt_alone = run_alone(sample("victim"), "bt")
    assert output_of(text, "victim_bt") == bt_alone["out"] == qemu_expected("victim")
    assert states["victim_bt"] == bt_alone["state"]
    # the hostile guest: its faults were delivered into its own kernel, as when alone
    hostile_alone = run_alone(guest("hostile"))
    hostile_out = hostile_alone["out"]
    assert hostile_out.count("hostile: prefetch abort caught at 0x") == 2
    assert "hostile: undefined instruction caught" in hostile_out
    # what it read back where another VM's translation cache would be: nothing (read-as-zero)
    assert "translation cache reads 0x00000000" in hostile_out
    assert states["hostile"] == hostile_alone["state"]
    assert by_name["hostile"].stats.exceptions == hostile_alone["stats"].exceptions
    assert by_name["hostile"].stats.exceptions["prefetch-abort"] == 2
    # its 10000-byte line was cut into console lines no longer than the mediator's limit
    lines = output_of(text, "hostile").splitlines()
    assert "".join(l for l in lines if set(l) == {"x"}) == "x" * 10000
    assert max(len(l) for l in lines) <= MAX_LINE
    assert hv.console.cut_lines["hostile"] == 10000 // MAX_LINE
    for vm in hv.vms:
        assert vm.state == VmState.STOPPED, (vm.name, vm.message)


def test_partitions_are_disjoint_host_memory():
    specs = [VmSpec("pingpong_a", sample("pingpong_a")), VmSpec("pingpong_b", sample("pingpong_b"))]
    hv, _, _ = run_together(specs)
    regions = [(vm.port.base, sorted(vm.port.mem_regions())) for vm in hv.vms]
    for base, own in regions:
        assert own and all(0 <= lo <= hi < 1 << 32 for lo, hi, _ in own)
    spans = sorted((base + lo, base + hi) for base, own in regions for lo, hi, _ in own)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))
    # nothing is mapped below the first partition: an address with no offset reaches nothing
    assert all(lo >= 1 << 32 for lo, _, _ in hv.cpu.uc.mem_regions())


def test_dying_guest_is_reported_and_the_others_continue():
    specs = [VmSpec("dying", guest("dying")), VmSpec("pingpong_a", sample("pingpong_a"))]
    hv, text, _ = run_together(specs, slice_insns=2_000)
    dying, pingpong = hv.vms
    assert dying.state == VmState.DEAD
    assert "undefined" in dying.message
    assert output_of(text, "dying").startswith("dying: about to execute")
    assert pingpong.state == VmState.STOPPED
    assert output_of(text, "pingpong_a") == qemu_expected("pingpong_a")
    assert hv.exit_code() == 3
    assert hv.stats()["vms"][0]["state"] == "dead"


def test_runaway_guest_is_stopped_by_its_budget():
    budget = 4_000_000  # pingpong_b needs about 3.1 M instructions
    specs = [VmSpec("runaway", guest("runaway")), VmSpec("pingpong_b", sample("pingpong_b"))]
    hv, text, _ = run_together(specs, slice_insns=50_000, max_insns=budget)
    runaway, pingpong = hv.vms
    assert runaway.state == VmState.BUDGET
    assert runaway.machine.instructions == budget
    assert pingpong.state == VmState.STOPPED
    assert output_of(text, "pingpong_b") == qemu_expected("pingpong_b")
    assert hv.exit_code() == 124
