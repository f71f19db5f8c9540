#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>

#include <core/manifest/yaml_documents.hpp>

namespace mycelium::manifest {

namespace {

struct Piece {
  std::string_view text;
  int line_offset;
};

bool starts_document(std::string_view line) {
  if (line.substr(0, 3) != "---") return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

// Pieces begin at each "---" line (the marker stays with its document).
std::vector<Piece> split_at_document_markers(std::string_view text) {
  std::vector<Piece> pieces;
  std::size_t piece_start = 0;
  int piece_line = 0;
  int line = 0;
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t end = text.find('\n', position);
    const std::size_t line_end = end == std::string_view::npos ? text.size() : end;
    if (starts_document(text.substr(position, line_end - position)) && position > piece_start) {
      pieces.push_back(Piece{text.substr(piece_start, position - piece_start), piece_line});
      piece_start = position;
      piece_line = line;
    }
    position = end == std::string_view::npos ? text.size() : end + 1;
    ++line;
  }
  pieces.push_back(Piece{text.substr(piece_start), piece_line});
  return pieces;
}

// Records where the first event of a document is: the start of content that should not be there.
class FirstEventMark : public YAML::EventHandler {
 public:
  YAML::Mark mark() const { return mark_; }

  void OnDocumentStart(const YAML::Mark& mark) override { record(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { record(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { record(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    record(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    record(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    record(mark);
  }
  void OnMapEnd() override {}

 private:
  void record(const YAML::Mark& mark) {
    if (!recorded_) mark_ = mark;
    recorded_ = true;
  }
  YAML::Mark mark_ = YAML::Mark::null_mark();
  bool recorded_ = false;
};

SourceLocation located(std::string_view file_name, const YAML::Mark& mark, int line_offset) {
  if (mark.is_null() || mark.line < 0)
    return SourceLocation{std::string(file_name), line_offset + 1, 1};
  return SourceLocation{std::string(file_name), mark.line + line_offset + 1, mark.column + 1};
}

}  // namespace

std::vector<YamlDocument> load_yaml_documents(std::string_view text, std::string_view file_name,
                                              Diagnostics& diagnostics) {
  std::vector<YamlDocument> documents;
  for (const Piece& piece : split_at_document_markers(text)) {
    const std::string source(piece.text);
    try {
      YAML::Node root = YAML::Load(source);
      // A piece holds one document; a second one means stray content after it.
      std::istringstream stream(source);
      YAML::Parser parser(stream);
      FirstEventMark first;
      FirstEventMark second;
      parser.HandleNextDocument(first);
      if (parser.HandleNextDocument(second)) {
        diagnostics.error(located(file_name, second.mark(), piece.line_offset), "",
                          "invalid YAML: unexpected content after the end of the document");
        continue;
      }
      documents.push_back(YamlDocument{std::move(root), piece.line_offset});
    } catch (const YAML::ParserException& error) {
      diagnostics.error(located(file_name, error.mark, piece.line_offset), "",
                        "invalid YAML: " + error.msg);
    }
  }
  return documents;
}

}  // namespace mycelium::manifest
