// Intentionally empty for C/Swift importers: Eigen's headers are C++ and are
// included directly by CEigenShim's .cpp file.
