"""The multi-guest hypervisor: several VMs on one emulated CPU (``vtrans run a b ...``).

* ``cpu.py`` — the shared Unicorn CPU, per-VM ports, partitions, world switch;
* ``hypervisor.py`` — VMs (a ``Machine`` each), the round-robin scheduler,
  class-2 hypercalls, statistics;
* ``console.py`` — the mediated console (tagged lines or one file per VM);
* ``messaging.py`` — mailboxes and the send/receive state machine.

ARCHITECTURE.md, section "Hypervisor", has the design and the ABI.
"""

from vtrans.runtime.hypervisor.console import ConsoleMediator, ConsoleMode, untag
from vtrans.runtime.hypervisor.cpu import CpuPort, SharedCpu
from vtrans.runtime.hypervisor.hypervisor import DEFAULT_SLICE, Hypervisor, Vm, VmSpec, VmState, parse_vm_args

__all__ = ["ConsoleMediator", "ConsoleMode", "CpuPort", "DEFAULT_SLICE", "Hypervisor", "SharedCpu", "Vm",
           "VmSpec", "VmState", "parse_vm_args", "untag"]
