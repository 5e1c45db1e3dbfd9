"""Several guests on one CPU give, per VM, exactly what they give alone (same clock), and
what QEMU gave for the samples (``expected.out``, recorded from qemu-system-arm)."""

from __future__ import annotations

import pytest

from helpers import guest, output_of, qemu_expected, run_alone, run_together, sample, without_wall
from vtrans.runtime.hypervisor import VmSpec, VmState

GROUPS = {
    "pingpong": ([("pingpong_a", "native"), ("pingpong_b", "native")], 10_000),
    "three-mixed-modes": ([("pingpong_a", "trap"), ("pingpong_b", "native"), ("victim", "native")], 3_000),
    "victim-attacker": ([("victim", "native"), ("attacker", "native")], 50_000),
}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_each_vm_as_alone(group):
    members, slice_insns = GROUPS[group]
    specs = [VmSpec(name, sample(name), mode) for name, mode in members]
    hv, text, states = run_together(specs, slice_insns=slice_insns)
    assert hv.cpu.switches > len(specs)  # they really were interleaved
    for (name, mode), vm in zip(members, hv.vms):
        alone = run_alone(sample(name), mode)
        assert vm.state == VmState.STOPPED, vm.message
        assert output_of(text, name) == alone["out"] == qemu_expected(name)
        # the complete final state: registers, banks, SPSRs, cp15, memory digests, instruction count
        assert states[name] == alone["state"]
        assert vm.stats.exceptions == alone["stats"].exceptions
        assert vm.stats.interrupts == alone["stats"].interrupts
    assert hv.exit_code() == 0


def test_tagged_lines_never_mix():
    specs = [VmSpec(n, sample(n)) for n in ("pingpong_a", "pingpong_b")]
    _, text, _ = run_together(specs, slice_insns=137)  # a slice that ends in the middle of lines
    for line in text.splitlines():
        tag, _, rest = line.partition("] ")
        assert tag in ("[pingpong_a", "[pingpong_b")
        assert rest.startswith({"[pingpong_a": ("pingpong_a", "A:"), "[pingpong_b": ("pingpong_b", "B:")}[tag])


def test_whole_run_is_deterministic():
    def once():
        specs = [VmSpec("pingpong_a", sample("pingpong_a"), "trap"), VmSpec("victim", sample("victim")),
                 VmSpec("msg_ping", guest("msg_ping")), VmSpec("msg_pong", guest("msg_pong"), "trap")]
        hv, text, states = run_together(specs, slice_insns=7_000)
        return text, without_wall(hv.stats()), states

    first, second = once(), once()
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert first[2] == second[2]
    # and the interleaving is really there: tags alternate more than once per VM
    tags = [line.split("]")[0] for line in first[0].splitlines()]
    assert sum(1 for a, b in zip(tags, tags[1:]) if a != b) > 4
