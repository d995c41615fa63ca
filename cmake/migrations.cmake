# scanopy_migrations(<target> <schema> <dir>): embeds <dir>/NNNN_*.sql in the
# target as `const struct sc_migration <schema>_migrations[]` and
# `<schema>_migrations_len`, so a binary carries the schema it needs.
function(scanopy_migrations target schema dir)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/[0-9][0-9][0-9][0-9]_*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${schema}_migrations.c)
  # A ';' list would split into several arguments: pass it '|'-joined.
  string(REPLACE ";" "|" files_arg "${sql_files}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DSCHEMA=${schema} -DOUT=${out} "-DFILES=${files_arg}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_sql.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/embed_sql.cmake
    COMMENT "embedding ${schema} migrations"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()

# scanopy_embed_file(<target> <name> <file>): the file's bytes as
# `const char <name>[]` and `const size_t <name>_len` in the target.
function(scanopy_embed_file target name file)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DNAME=${name} -DIN=${file} -DOUT=${out}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    COMMENT "embedding ${file}"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
