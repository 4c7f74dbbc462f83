/* xmlplug.h: what xmlwork and its plugin xmlplug.so share. The plugin is
 * opened with dlopen and hands back an object of its own class through
 * xmlplug_create; every call then crosses the boundary with libc++ types
 * (std::string, std::vector, std::map, std::function) as arguments and
 * results, tinyxml2 objects owned by the program, and visitors of either
 * side that libtinyxml2.so calls back. */
#ifndef XMLPLUG_H
#define XMLPLUG_H

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tinyxml2.h"

#define XMLPLUG_VERSION 3

/* NodeStats: what the plugin's own visitor counts. */
struct NodeStats {
  long long elements = 0, attributes = 0, texts = 0, cdata = 0, comments = 0, others = 0;
  long long textBytes = 0, maxDepth = 0;
  std::map<std::string, long long> perName; /* element name -> count */
};

/* Rows: records the program builds; in each, the entry "" is the text. */
typedef std::vector<std::map<std::string, std::string>> Rows;

/* Noter: a visitor that also takes notes. The program's visitors derive
 * from it; the plugin finds out with dynamic_cast, which compares type
 * information emitted in both modules (no key function: every user has
 * its own copy, and the dynamic linker has to make them one). */
class Noter : public tinyxml2::XMLVisitor {
public:
  virtual void Note(const std::string &what) = 0;
};

class XmlPlugin {
public:
  virtual ~XmlPlugin() {}
  virtual std::string Name() const = 0;
  /* For every element under node with attribute attr: the element's name
   * -> the attribute's values, in document order. */
  virtual std::map<std::string, std::vector<std::string>> Index(const tinyxml2::XMLNode &node,
                                                                 const std::string &attr) const = 0;
  /* Counts with a visitor of the plugin's own, called by the library. */
  virtual NodeStats Stats(const tinyxml2::XMLNode &node) const = 0;
  /* Has the library run the caller's visitor over node; notes it if the
   * visitor is a Noter. */
  virtual bool Walk(const tinyxml2::XMLNode &node, tinyxml2::XMLVisitor &visitor) const = 0;
  /* A new element called name, last under parent, with one child per row. */
  virtual tinyxml2::XMLElement *Build(tinyxml2::XMLElement *parent, const std::string &name,
                                      const Rows &rows) const = 0;
  /* Replaces the text of every element called name under root by f(text),
   * returning how many. */
  virtual int Rewrite(tinyxml2::XMLElement *root, const std::string &name,
                      const std::function<std::string(const std::string &)> &f) const = 0;
  /* node printed by the plugin's own XMLPrinter subclass. */
  virtual std::string Print(const tinyxml2::XMLNode &node) const = 0;
  /* The words of texts (lower-cased) and how often each occurs, most
   * frequent first, ties in byte order. */
  virtual std::vector<std::pair<std::string, int>> Words(const std::vector<std::string> &texts) const = 0;
};

extern "C" XmlPlugin *xmlplug_create(int version);

#endif
