// Intentionally empty for C/Swift importers: Eigen's headers are C++ and are
// included directly by CCeresShim's .cpp file.
