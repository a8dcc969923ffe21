"""Results as of any log position, publication seals (Merkle root, results hash), verification of
a period or an exported bundle, and before/after comparison."""
