"""Runtime: machine over the Unicorn CPU, QEMU-compatible boards and devices, execution modes."""
