# How each system dependency is found. tools/install_deps.sh installs them from Debian's
# archive; see third_party/README.md for why each one is used.
find_package(Protobuf 3.21 REQUIRED)
find_package(ONNX REQUIRED)
find_package(absl REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark QUIET)
