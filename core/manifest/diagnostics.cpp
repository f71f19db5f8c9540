#include <core/manifest/diagnostics.hpp>

namespace mycelium::manifest {

std::string format_diagnostic(const Diagnostic& diagnostic) {
  std::string text = diagnostic.where.file;
  if (diagnostic.where.line > 0) {
    text += ':' + std::to_string(diagnostic.where.line);
    if (diagnostic.where.column > 0) text += ':' + std::to_string(diagnostic.where.column);
  }
  text += ": ";
  if (!diagnostic.field_path.empty()) text += diagnostic.field_path + ": ";
  text += diagnostic.message;
  return text;
}

void Diagnostics::error(SourceLocation where, std::string field_path, std::string message) {
  ++total_count_;
  if (kept_.size() < kMaxKept) {
    kept_.push_back(Diagnostic{std::move(where), std::move(field_path), std::move(message)});
  }
}

void Diagnostics::append(const Diagnostics& other) {
  for (const Diagnostic& diagnostic : other.kept_) {
    error(diagnostic.where, diagnostic.field_path, diagnostic.message);
  }
  total_count_ += other.total_count_ - other.kept_.size();
}

std::string Diagnostics::format() const {
  std::string text;
  for (const Diagnostic& diagnostic : kept_)
    text += format_diagnostic(diagnostic) + '\n';
  if (total_count_ > kept_.size()) {
    text += "... and " + std::to_string(total_count_ - kept_.size()) + " more errors\n";
  }
  return text;
}

}  // namespace mycelium::manifest
