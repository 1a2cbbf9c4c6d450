"""`cruddur bench`: latency, throughput, stream lag and capacity cost, measured side by side."""
