"""The eval suite: cases with expectations, deterministic metrics, a runner and its report."""
