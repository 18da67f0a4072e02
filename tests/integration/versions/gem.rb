# RubyGems reference of the differential test: reads "A<TAB>B" lines from ARGV[0] and prints
# Gem::Version.new(A) <=> Gem::Version.new(B), or "error" when either is malformed (ArgumentError).
require 'rubygems'
out = []
File.foreach(ARGV[0], encoding: 'UTF-8') do |line|
  a, b = line.chomp.split("\t", 2)
  begin
    out << (Gem::Version.new(a) <=> Gem::Version.new(b)).to_s
  rescue ArgumentError
    out << 'error'
  end
end
$stdout.write(out.join("\n") + "\n")
