"""Evidence: each criterion (stated in the denial or in the payer's policy) against the chart."""
