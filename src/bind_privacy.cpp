// Bindings of the privacy area (cxkit._core.privacy): keyed pseudonyms, redaction of personal data in text, and
// sealed (encrypted, authenticated) bytes, small-cell suppression. Keys arrive as bytes and live only inside the call, in a SecretKey that
// libsodium wipes afterwards; no object here keeps one.
//
// Threads: the bulk functions read UTF-8 columns given as (offsets, data) numpy views of Arrow buffers. Arrow
// buffers are immutable, so they are read without the GIL; a writeable array (memory a caller could change) is
// copied first.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxkit/core/error.hpp"
#include "cxkit/core/parallel.hpp"
#include "cxkit/privacy/erasure.hpp"
#include "cxkit/privacy/pseudonymiser.hpp"
#include "cxkit/privacy/redactor.hpp"
#include "cxkit/privacy/sealed_bytes.hpp"
#include "cxkit/privacy/small_cells.hpp"
#include "cxkit/privacy/secret_key.hpp"
#include "interruptible.hpp"

namespace py = pybind11;
using namespace cxkit;

namespace {

privacy::SecretKey key_from(const py::bytes& key) { return privacy::SecretKey(std::string_view(key)); }

// A UTF-8 column as Arrow lays it out: value i is data[offsets[i] : offsets[i+1]].
struct Utf8Column {
    std::vector<std::int64_t> owned_offsets;
    std::vector<char> owned_data;
    const std::int64_t* offsets = nullptr;
    const char* data = nullptr;
    std::size_t size = 0;
    std::size_t data_size = 0;

    std::string_view at(std::size_t i) const {
        return {data + offsets[i], static_cast<std::size_t>(offsets[i + 1] - offsets[i])};
    }
};

Utf8Column utf8_column(const py::array_t<std::int64_t, py::array::c_style>& offsets,
                       const py::array_t<std::uint8_t, py::array::c_style>& data) {
    if (offsets.ndim() != 1 || data.ndim() != 1 || offsets.shape(0) < 1)
        throw invalid_input("ids", invalid_input::no_row, "offsets and data must be one-dimensional, offsets non-empty");
    Utf8Column c;
    c.size = static_cast<std::size_t>(offsets.shape(0) - 1);
    c.data_size = static_cast<std::size_t>(data.shape(0));
    if (offsets.writeable()) {
        c.owned_offsets.assign(offsets.data(), offsets.data() + offsets.shape(0));
        c.offsets = c.owned_offsets.data();
    } else {
        c.offsets = offsets.data();
    }
    if (data.writeable()) {
        c.owned_data.assign(reinterpret_cast<const char*>(data.data()), reinterpret_cast<const char*>(data.data()) + c.data_size);
        c.data = c.owned_data.data();
    } else {
        c.data = reinterpret_cast<const char*>(data.data());
    }
    // Offsets must rise within the data: checked once here, so at() is safe everywhere after.
    if (c.offsets[0] < 0) throw invalid_input("offsets", 0, "must be >= 0");
    for (std::size_t i = 0; i < c.size; ++i)
        if (c.offsets[i + 1] < c.offsets[i]) throw invalid_input("offsets", static_cast<std::int64_t>(i + 1), "must not decrease");
    if (static_cast<std::size_t>(c.offsets[c.size]) > c.data_size)
        throw invalid_input("offsets", static_cast<std::int64_t>(c.size), "point past the end of the data");
    return c;
}

py::array_t<std::uint8_t> bytes_array(std::string&& s) {
    auto* owner = new std::string(std::move(s));
    py::capsule free_owner(owner, [](void* p) { delete static_cast<std::string*>(p); });
    return py::array_t<std::uint8_t>(static_cast<py::ssize_t>(owner->size()),
                                     reinterpret_cast<const std::uint8_t*>(owner->data()), free_owner);
}

void register_pseudonyms(py::module_& m) {
    m.attr("pseudonym_size") = privacy::Pseudonymiser::pseudonym_size;
    m.def("pseudonym", [](const std::string& id, py::bytes key) {
              return privacy::Pseudonymiser(key_from(key)).pseudonym(id);
          },
          py::arg("id"), py::arg("key"), "The keyed pseudonym (32 hex characters) of one id's UTF-8 text.");
    m.def("pseudonyms_utf8",
          [](py::array_t<std::int64_t, py::array::c_style> offsets, py::array_t<std::uint8_t, py::array::c_style> data,
             py::bytes key, unsigned threads) {
              const privacy::Pseudonymiser p(key_from(key));
              const Utf8Column c = utf8_column(offsets, data);
              std::string out;
              {
                  bind::released_interruptible scope;
                  std::vector<std::string_view> ids(c.size);
                  for (std::size_t i = 0; i < c.size; ++i) ids[i] = c.at(i);
                  out = p.pseudonyms(ids, threads);
              }
              return bytes_array(std::move(out));
          },
          py::arg("offsets"), py::arg("data"), py::arg("key"), py::arg("threads") = 0,
          "Pseudonyms of a UTF-8 column (Arrow offsets and data), packed: pseudonym_size characters each.");
    m.def("generate_key", [] {
              const privacy::SecretKey k = privacy::SecretKey::generate();
              return py::bytes(reinterpret_cast<const char*>(k.data()), k.size());
          },
          "32 random bytes from the operating system's generator (libsodium randombytes).");
}

void register_redaction(py::module_& m) {
    py::class_<privacy::RedactionCounts>(m, "RedactionCounts", "What redaction found and replaced.")
        .def(py::init<>())
        .def_readonly("emails", &privacy::RedactionCounts::emails)
        .def_readonly("phones", &privacy::RedactionCounts::phones)
        .def_readonly("cards", &privacy::RedactionCounts::cards)
        .def_readonly("names", &privacy::RedactionCounts::names)
        .def_property_readonly("total", &privacy::RedactionCounts::total)
        .def("__eq__", [](const privacy::RedactionCounts& a, const privacy::RedactionCounts& b) { return a == b; },
             py::is_operator())
        .def("__repr__", [](const privacy::RedactionCounts& c) {
            return "RedactionCounts(emails=" + std::to_string(c.emails) + ", phones=" + std::to_string(c.phones) +
                   ", cards=" + std::to_string(c.cards) + ", names=" + std::to_string(c.names) + ")";
        });
    m.def("redact_utf8",
          [](py::array_t<std::int64_t, py::array::c_style> offsets, py::array_t<std::uint8_t, py::array::c_style> data,
             std::optional<py::array_t<std::int64_t, py::array::c_style>> name_offsets,
             std::optional<py::array_t<std::uint8_t, py::array::c_style>> name_data, unsigned threads) {
              const Utf8Column texts = utf8_column(offsets, data);
              std::optional<Utf8Column> names;
              if (name_offsets && name_data) {
                  names.emplace(utf8_column(*name_offsets, *name_data));
                  if (names->size != texts.size)
                      throw invalid_input("names", invalid_input::no_row, "must have one entry per text");
              }
              struct Part {
                  std::string data;
                  std::vector<std::int64_t> ends;
                  privacy::RedactionCounts counts;
              };
              std::string out;
              std::vector<std::int64_t> out_offsets(texts.size + 1, 0);
              privacy::RedactionCounts counts;
              {
                  bind::released_interruptible scope;
                  const privacy::Redactor r;
                  constexpr std::size_t chunk = 4096;
                  const std::size_t nchunks = (texts.size + chunk - 1) / chunk;
                  std::vector<Part> parts(nchunks);
                  core::parallel_for_chunks(texts.size, chunk, threads, [&](std::size_t ci, std::size_t b, std::size_t e) {
                      Part& part = parts[ci];
                      part.ends.reserve(e - b);
                      for (std::size_t i = b; i < e; ++i) {
                          std::string_view row_name;
                          if (names) row_name = names->at(i);
                          r.redact_into(texts.at(i), part.data, part.counts,
                                        row_name.empty() ? std::span<const std::string_view>{}
                                                         : std::span<const std::string_view>(&row_name, 1));
                          part.ends.push_back(static_cast<std::int64_t>(part.data.size()));
                      }
                  });
                  std::size_t total = 0;
                  for (const Part& p : parts) total += p.data.size();
                  out.reserve(total);
                  std::size_t row = 0;
                  for (Part& p : parts) {
                      const auto base = static_cast<std::int64_t>(out.size());
                      out += p.data;
                      for (std::int64_t e : p.ends) out_offsets[++row] = base + e;
                      counts += p.counts;
                      std::string().swap(p.data);
                  }
              }
              py::array_t<std::int64_t> offs(static_cast<py::ssize_t>(out_offsets.size()), out_offsets.data());
              return py::make_tuple(std::move(offs), bytes_array(std::move(out)), counts);
          },
          py::arg("offsets"), py::arg("data"), py::arg("name_offsets") = py::none(), py::arg("name_data") = py::none(),
          py::arg("threads") = 0,
          "Redacts a UTF-8 column (Arrow offsets and data); returns (offsets, data, RedactionCounts).");
}

void register_sealing(py::module_& m) {
    m.def("seal", [](py::bytes data, py::bytes key) {
              return py::bytes(privacy::seal(std::string_view(data), key_from(key)));
          },
          py::arg("data"), py::arg("key"), "Encrypts and authenticates bytes (XChaCha20-Poly1305, a fresh nonce).");
    m.def("open_sealed", [](py::bytes data, py::bytes key) {
              return py::bytes(privacy::open_sealed(std::string_view(data), key_from(key)));
          },
          py::arg("data"), py::arg("key"),
          "The bytes sealed by seal(); refuses (ValueError) bytes that were changed, cut short or sealed with another key.");
    m.def("is_sealed", [](py::bytes data) { return privacy::is_sealed(std::string_view(data)); }, py::arg("data"));
}

void register_erasure(py::module_& m) {
    m.def("customer_keys_utf8",
          [](py::array_t<std::int64_t, py::array::c_style> offsets, py::array_t<std::uint8_t, py::array::c_style> data) {
              const Utf8Column c = utf8_column(offsets, data);
              std::vector<std::uint64_t> keys(c.size);
              for (std::size_t i = 0; i < c.size; ++i) keys[i] = core::CustomerIds::key_of(c.at(i));
              return py::array_t<std::uint64_t>(static_cast<py::ssize_t>(keys.size()), keys.data());
          },
          py::arg("offsets"), py::arg("data"), "The 64-bit customer keys of string ids (as logs and states key them).");
}

void register_small_cells(py::module_& m) {
    m.def("suppress_small_cells",
          [](py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast> customers, std::uint64_t k) {
              if (customers.ndim() != 2) throw invalid_input("customers", invalid_input::no_row, "must be a 2-D grid");
              const auto rows = static_cast<std::size_t>(customers.shape(0));
              const auto cols = static_cast<std::size_t>(customers.shape(1));
              // Small (a published table), so computed with the GIL held on the caller's array.
              const privacy::SmallCellSuppression s = privacy::suppress_small_cells(
                  std::span<const std::uint64_t>(customers.data(), rows * cols), rows, cols, k);
              py::array_t<bool> hidden({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
              std::copy(s.hidden.begin(), s.hidden.end(), hidden.mutable_data());
              py::array_t<bool> row_total(static_cast<py::ssize_t>(rows)), col_total(static_cast<py::ssize_t>(cols));
              std::copy(s.row_total_hidden.begin(), s.row_total_hidden.end(), row_total.mutable_data());
              std::copy(s.col_total_hidden.begin(), s.col_total_hidden.end(), col_total.mutable_data());
              return py::make_tuple(hidden, row_total, col_total, s.primary, s.complementary);
          },
          py::arg("customers"), py::arg("k"),
          "Cells of a rows x cols grid of distinct-customer counts to hide: (hidden, row_total_hidden, "
          "col_total_hidden, primary, complementary).");
}

}  // namespace

void bind_privacy(py::module_& m) {
    m.doc() = "Privacy: keyed pseudonyms, redaction of personal data, sealed bytes.";
    register_pseudonyms(m);
    register_redaction(m);
    register_sealing(m);
    register_small_cells(m);
    register_erasure(m);
}
