/* xmlplug: the plugin xmlwork opens with dlopen (xmlplug.h). It uses
 * libtinyxml2.so (linked against it) and the program's libc++, has visitors
 * and a printer of its own that the library calls, recognises the
 * program's visitors with dynamic_cast, and has a global object whose
 * constructor runs at dlopen and whose destructor runs at dlclose. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <map>
#include <string>
#include <typeinfo>
#include <vector>

#include "tinyxml2.h"
#include "xmlplug.h"

using namespace tinyxml2;

namespace {

/* num: n in decimal. Not std::to_string: libstdc++'s has a static table
 * that g++ makes an STB_GNU_UNIQUE symbol, and glibc's ld.so marks a
 * library NODELETE once such a symbol of it is looked up: the destructor
 * below could then run at exit natively instead of at dlclose. */
std::string num(long long n) {
  char b[24];
  snprintf(b, sizeof b, "%lld", n);
  return b;
}

/* Lifetime: made by the plugin's constructors (at dlopen), reports at
 * dlclose from its destructor. */
struct Lifetime {
  std::map<std::string, int> calls;
  Lifetime() { calls["loaded"] = 1; }
  ~Lifetime() {
    long long n = 0;
    for (const auto &c : calls)
      n += c.second;
    printf("xmlplug: unloading after %lld calls to %zu functions\n", n, calls.size());
  }
};
Lifetime lifetime;

/* Counter: the plugin's visitor, called by libtinyxml2.so. */
class Counter : public XMLVisitor {
public:
  explicit Counter(NodeStats &s) : st(s) {}
  bool VisitEnter(const XMLElement &e, const XMLAttribute *a) override {
    st.elements++;
    st.perName[e.Name()]++;
    for (; a; a = a->Next())
      st.attributes++;
    depth++;
    st.maxDepth = std::max(st.maxDepth, depth);
    return true;
  }
  bool VisitExit(const XMLElement &) override {
    depth--;
    return true;
  }
  bool Visit(const XMLText &t) override {
    (t.CData() ? st.cdata : st.texts)++;
    st.textBytes += (long long)strlen(t.Value());
    return true;
  }
  bool Visit(const XMLComment &) override {
    st.comments++;
    return true;
  }
  bool Visit(const XMLDeclaration &) override {
    st.others++;
    return true;
  }
  bool Visit(const XMLUnknown &) override {
    st.others++;
    return true;
  }

private:
  NodeStats &st;
  long long depth = 0;
};

/* TabPrinter: prints with one tab per level, and elements with no
 * element children on one line. */
class TabPrinter : public XMLPrinter {
public:
  TabPrinter() : XMLPrinter(nullptr, false, 0) {}

protected:
  void PrintSpace(int depth) override {
    for (int i = 0; i < depth; i++)
      Putc('\t');
  }
  bool CompactMode(const XMLElement &e) override { return e.FirstChildElement() == nullptr; }
};

void walkElements(const XMLNode &node, const std::function<void(const XMLElement &)> &f) {
  for (const XMLNode *c = node.FirstChild(); c; c = c->NextSibling()) {
    if (const XMLElement *e = c->ToElement()) {
      f(*e);
      walkElements(*e, f);
    }
  }
}

class Plugin : public XmlPlugin {
public:
  std::string Name() const override {
    lifetime.calls["Name"]++;
    return std::string("xmlplug ") + num(XMLPLUG_VERSION) + " on tinyxml2 " +
           num(TINYXML2_MAJOR_VERSION) + "." + num(TINYXML2_MINOR_VERSION) +
           "." + num(TINYXML2_PATCH_VERSION);
  }

  std::map<std::string, std::vector<std::string>> Index(const XMLNode &node,
                                                        const std::string &attr) const override {
    lifetime.calls["Index"]++;
    std::map<std::string, std::vector<std::string>> idx;
    walkElements(node, [&](const XMLElement &e) {
      if (const char *v = e.Attribute(attr.c_str()))
        idx[e.Name()].push_back(v);
    });
    return idx;
  }

  NodeStats Stats(const XMLNode &node) const override {
    lifetime.calls["Stats"]++;
    NodeStats st;
    Counter c(st);
    node.Accept(&c);
    return st;
  }

  bool Walk(const XMLNode &node, XMLVisitor &visitor) const override {
    lifetime.calls["Walk"]++;
    Noter *n = dynamic_cast<Noter *>(&visitor);
    if (n)
      n->Note(std::string("walked by the plugin, visitor ") + typeid(visitor).name());
    bool ok = node.Accept(&visitor);
    if (n)
      n->Note(ok ? "walk complete" : "walk stopped");
    return ok;
  }

  XMLElement *Build(XMLElement *parent, const std::string &name, const Rows &rows) const override {
    lifetime.calls["Build"]++;
    XMLElement *top = parent->InsertNewChildElement(name.c_str());
    top->SetAttribute("rows", (unsigned)rows.size());
    for (const auto &row : rows) {
      XMLElement *r = top->InsertNewChildElement("row");
      for (const auto &kv : row) {
        if (kv.first.empty())
          r->SetText(kv.second.c_str());
        else
          r->SetAttribute(kv.first.c_str(), kv.second.c_str());
      }
    }
    return top;
  }

  int Rewrite(XMLElement *root, const std::string &name,
              const std::function<std::string(const std::string &)> &f) const override {
    lifetime.calls["Rewrite"]++;
    std::vector<XMLElement *> hits;
    walkElements(*root, [&](const XMLElement &e) {
      if (name == e.Name())
        hits.push_back(const_cast<XMLElement *>(&e));
    });
    for (XMLElement *e : hits) {
      const char *t = e->GetText();
      e->SetText(f(t ? t : "").c_str());
    }
    return (int)hits.size();
  }

  std::string Print(const XMLNode &node) const override {
    lifetime.calls["Print"]++;
    TabPrinter p;
    node.Accept(&p);
    return std::string(p.CStr());
  }

  std::vector<std::pair<std::string, int>>
  Words(const std::vector<std::string> &texts) const override {
    lifetime.calls["Words"]++;
    std::map<std::string, int> count;
    for (const std::string &t : texts) {
      std::string w;
      for (size_t i = 0; i <= t.size(); i++) {
        unsigned char ch = i < t.size() ? (unsigned char)t[i] : ' ';
        if (isalnum(ch) || ch >= 0x80) {
          w += (char)tolower(ch);
        } else if (!w.empty()) {
          count[w]++;
          w.clear();
        }
      }
    }
    std::vector<std::pair<std::string, int>> out(count.begin(), count.end());
    typedef std::pair<std::string, int> Count;
    std::stable_sort(out.begin(), out.end(),
                     [](const Count &a, const Count &b) { return a.second > b.second; });
    return out;
  }
};

} // namespace

extern "C" XmlPlugin *xmlplug_create(int version) {
  if (version != XMLPLUG_VERSION)
    return nullptr;
  lifetime.calls["create"]++;
  return new Plugin;
}
