"""What makes a rebuild small: fingerprints of inputs, the manifest of the last build, each
output's key, and planning's memo. A build works without reading any of it; it only renders less."""
