#include "pruning/core/npy.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "pruning/core/error.h"
#include "pruning/core/file_io.h"
#include "pruning/core/int_math.h"
#include "pruning/core/json_util.h"

namespace reram {

NdArray::NdArray(std::vector<int64_t> s) : shape(std::move(s)) { data.assign(static_cast<size_t>(numel()), 0.0f); }

int64_t NdArray::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string NdArray::shape_str() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

template <class T>
void convert(const char* p, int64_t n, std::vector<float>& out, bool swap) {
  out.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    T v;
    char buf[sizeof(T)];
    std::memcpy(buf, p + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
    if (swap) std::reverse(buf, buf + sizeof(T));
    std::memcpy(&v, buf, sizeof(T));
    out[static_cast<size_t>(i)] = static_cast<float>(v);
  }
}

uint16_t rd16(const std::string& s, size_t o) {
  return static_cast<uint16_t>(static_cast<unsigned char>(s[o]) | (static_cast<unsigned char>(s[o + 1]) << 8));
}
uint32_t rd32(const std::string& s, size_t o) {
  return static_cast<uint32_t>(rd16(s, o)) | (static_cast<uint32_t>(rd16(s, o + 2)) << 16);
}
void wr16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>(v >> 8));
}
void wr32(std::string& s, uint32_t v) {
  wr16(s, static_cast<uint16_t>(v & 0xffff));
  wr16(s, static_cast<uint16_t>(v >> 16));
}

}  // namespace

std::string npy_encode(const NdArray& a) {
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i) shape += std::to_string(a.shape[i]) + ",";
  if (a.shape.size() > 1) shape.pop_back();
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(1);
  out.push_back(0);
  wr16(out, static_cast<uint16_t>(header.size()));
  out += header;
  out.append(reinterpret_cast<const char*>(a.data.data()), a.data.size() * sizeof(float));
  return out;
}

NdArray npy_decode(const std::string& b, const std::string& where) {
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw InputError(where + ": not a .npy array");
  int major = static_cast<unsigned char>(b[6]);
  size_t hlen, off;
  if (major == 1) {
    hlen = rd16(b, 8);
    off = 10;
  } else {
    if (b.size() < 12) throw InputError(where + ": truncated .npy header");
    hlen = rd32(b, 8);
    off = 12;
  }
  if (off + hlen > b.size()) throw InputError(where + ": truncated .npy header");
  const std::string h = b.substr(off, hlen);
  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
  auto bad = [&](const std::string& what) -> InputError { return InputError(where + ": bad .npy header: " + what); };
  auto field = [&](const std::string& key) -> size_t {  // offset of the value after "'key':"
    size_t p = h.find("'" + key + "'");
    if (p == std::string::npos) throw InputError(where + ": .npy header lacks '" + key + "'");
    p = h.find(':', p);
    if (p == std::string::npos) throw bad("no ':' after '" + key + "'");
    ++p;
    while (p < h.size() && h[p] == ' ') ++p;
    return p;
  };
  size_t dp = field("descr");
  if (dp >= h.size() || h[dp] != '\'') throw bad("'descr' is not a quoted string");
  size_t dq = h.find('\'', dp + 1);
  if (dq == std::string::npos) throw bad("'descr' is not a quoted string");
  const std::string descr = h.substr(dp + 1, dq - dp - 1);
  if (h.compare(field("fortran_order"), 4, "True") == 0)
    throw InputError(where + ": Fortran-ordered arrays are not supported");
  size_t sp = field("shape");
  size_t se = h.find(')', sp);
  if (sp >= h.size() || h[sp] != '(' || se == std::string::npos) throw bad("'shape' is not a tuple");
  NdArray a;
  std::stringstream ss(h.substr(sp + 1, se - sp - 1));
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    size_t first = tok.find_first_not_of(' '), last = tok.find_last_not_of(' ');
    if (first == std::string::npos) continue;
    tok = tok.substr(first, last - first + 1);
    if (tok.size() > 12 || tok.find_first_not_of("0123456789") != std::string::npos)
      throw bad("shape entry '" + tok + "' is not a dimension");
    a.shape.push_back(std::stoll(tok));
  }
  const int64_t n = checked_count(a.shape.data(), a.shape.size(), kMaxFileElements);
  if (n < 0) throw bad("shape " + a.shape_str() + " is too large");
  const char* p = b.data() + off + hlen;
  const size_t avail = b.size() - off - hlen;
  if (descr.size() < 3 || descr.size() > 4 || std::string("<>|=").find(descr[0]) == std::string::npos ||
      descr.find_first_not_of("0123456789", 2) != std::string::npos)
    throw InputError(where + ": unsupported dtype '" + descr + "'");
  const char kind = descr[1];
  const int size = std::stoi(descr.substr(2));
  const bool swap = descr[0] == '>';
  a.dtype = descr.substr(1);
  if (static_cast<size_t>(n) * static_cast<size_t>(size) > avail) throw InputError(where + ": truncated .npy data");
  if (kind == 'f' && size == 4)
    convert<float>(p, n, a.data, swap);
  else if (kind == 'f' && size == 8)
    convert<double>(p, n, a.data, swap);
  else if (kind == 'i' && size == 8)
    convert<int64_t>(p, n, a.data, swap);
  else if (kind == 'i' && size == 4)
    convert<int32_t>(p, n, a.data, swap);
  else if ((kind == 'u' || kind == 'b') && size == 1)
    convert<uint8_t>(p, n, a.data, swap);
  else if (kind == 'i' && size == 1)
    convert<int8_t>(p, n, a.data, swap);
  else
    throw InputError(where + ": unsupported dtype '" + descr + "'");
  return a;
}

void check_finite(const NdArray& a, const std::string& what) {
  for (size_t i = 0; i < a.data.size(); ++i)
    if (!std::isfinite(a.data[i]))
      throw InputError(what + " holds a non-finite value (" + std::to_string(a.data[i]) + ") at index " +
                       std::to_string(i) + " of shape " + a.shape_str());
}

NdArray read_npy(const std::string& path) { return npy_decode(read_file(path), path); }

void write_npy_atomic(const std::string& path, const NdArray& a) { write_file_atomic(path, npy_encode(a)); }

NpzMap read_npz(const std::string& path) {
  std::string z = read_file(path);
  // Locate the end-of-central-directory record.
  if (z.size() < 22) throw InputError(path + ": not a .npz (zip) archive");
  size_t eocd = std::string::npos;
  for (size_t i = z.size() - 22 + 1; i-- > 0 && z.size() - i < 65536 + 22;) {
    if (rd32(z, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) throw InputError(path + ": not a .npz (zip) archive or truncated");
  uint16_t entries = rd16(z, eocd + 10);
  uint32_t cd = rd32(z, eocd + 16);
  NpzMap out;
  size_t p = cd;
  for (uint16_t e = 0; e < entries; ++e) {
    if (p + 46 > z.size() || rd32(z, p) != 0x02014b50) throw InputError(path + ": corrupt zip central directory");
    uint16_t method = rd16(z, p + 10);
    uint32_t csize = rd32(z, p + 20), usize = rd32(z, p + 24);
    uint16_t nlen = rd16(z, p + 28), xlen = rd16(z, p + 30), clen = rd16(z, p + 32);
    uint32_t loff = rd32(z, p + 42);
    std::string name = z.substr(p + 46, nlen);
    p += 46 + nlen + xlen + clen;
    if (loff + 30 > z.size()) throw InputError(path + ": corrupt zip entry '" + name + "'");
    size_t data = loff + 30 + rd16(z, loff + 26) + rd16(z, loff + 28);
    if (data + csize > z.size()) throw InputError(path + ": truncated entry '" + name + "'");
    // Deflate expands at most 1032:1; a larger claimed size is a corrupt header (and would
    // allocate that much before inflating).
    if (method == 8 && static_cast<uint64_t>(usize) > static_cast<uint64_t>(csize) * 1032 + 1024)
      throw InputError(path + ": corrupt zip entry '" + name + "' (claims " + std::to_string(usize) + " bytes from " +
                       std::to_string(csize) + ")");
    std::string raw;
    if (method == 0) {
      raw = z.substr(data, csize);
    } else if (method == 8) {
      raw.resize(usize);
      z_stream s{};
      s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data() + data));
      s.avail_in = csize;
      s.next_out = reinterpret_cast<Bytef*>(raw.data());
      s.avail_out = usize;
      if (inflateInit2(&s, -MAX_WBITS) != Z_OK) throw InputError(path + ": zlib init failed");
      int rc = inflate(&s, Z_FINISH);
      inflateEnd(&s);
      if (rc != Z_STREAM_END || s.total_out != usize)
        throw InputError(path + ": corrupt compressed entry '" + name + "'");
    } else {
      throw InputError(path + ": entry '" + name + "' uses unsupported zip compression " + std::to_string(method));
    }
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    out[name] = npy_decode(raw, path + ":" + name);
  }
  return out;
}

void write_npz_atomic(const std::string& path, const NpzMap& arrays) {
  std::string z, cd;
  uint16_t n = 0;
  for (const auto& [key, arr] : arrays) {
    std::string name = key + ".npy";
    std::string data = npy_encode(arr);
    uint32_t crc =
        static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    if (z.size() + data.size() > 0xFFFFFFF0ull) throw InputError(path + ": archive larger than 4 GiB is not supported");
    uint32_t off = static_cast<uint32_t>(z.size());
    // The fields a local header and its central directory entry share, from the flags on:
    // no flags, stored (no compression), time 0, date 1980-01-01, CRC, both sizes, name
    // length, no extra field.
    auto common = [&](std::string& out) {
      for (uint16_t v : {0, 0, 0, 0x21}) wr16(out, v);
      for (uint32_t v : {crc, static_cast<uint32_t>(data.size()), static_cast<uint32_t>(data.size())}) wr32(out, v);
      wr16(out, static_cast<uint16_t>(name.size()));
      wr16(out, 0);
    };
    wr32(z, 0x04034b50);  // local header: version needed 2.0
    wr16(z, 20);
    common(z);
    z += name;
    z += data;
    wr32(cd, 0x02014b50);  // central directory entry: made by and needed 2.0
    wr16(cd, 20);
    wr16(cd, 20);
    common(cd);
    wr16(cd, 0);  // comment length, disk number, internal and external attributes
    wr16(cd, 0);
    wr16(cd, 0);
    wr32(cd, 0);
    wr32(cd, off);
    cd += name;
    ++n;
  }
  uint32_t cdoff = static_cast<uint32_t>(z.size());
  z += cd;
  wr32(z, 0x06054b50);
  wr16(z, 0);
  wr16(z, 0);
  wr16(z, n);
  wr16(z, n);
  wr32(z, static_cast<uint32_t>(cd.size()));
  wr32(z, cdoff);
  wr16(z, 0);
  write_file_atomic(path, z);
}

}  // namespace reram
