"""vtrans: binary translation and pre-virtualization for guest kernels."""

__version__ = "0.1.0"
