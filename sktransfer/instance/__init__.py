"""Instance reweighting: weight source rows so that they look like target rows."""
