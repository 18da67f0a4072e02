// tollgate: parses argv through cli::run(); nothing else lives here.
#include <exception>
#include <iostream>

#include "tollgate/cli/cli.h"

int main(int argc, char** argv) {
  try {
    return tollgate::cli::run(argc, argv, tollgate::cli::systemEnv());
  } catch (const std::exception& e) {
    std::cerr << "tollgate: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "tollgate: internal error\n";
  }
  return 3;
}
