<?xml version="1.0" encoding="UTF-8"?>
<!--
  Regie's own wrapper (not an official file): runs the official EN 16931 rules, imported
  unchanged, over several UBL documents in one call. Each document is processed by the rules'
  own root template on its own document node, exactly as when it is the only input; only the
  documents with a finding come back, with their position and their findings as the rules wrote
  them (regie/exports/validation.py, validate_many). The EN 16931 rules read nothing but the
  document under check (their one global variable is never used), so one call can check many.
-->
<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl" exclude-result-prefixes="#all">
  <xsl:import href="EN16931-UBL-validation.xslt"/>
  <xsl:param name="documents" as="array(document-node())" required="yes"/>
  <xsl:template name="batch">
    <batch>
      <xsl:for-each select="$documents?*">
        <xsl:variable name="report"><xsl:apply-templates select="."/></xsl:variable>
        <xsl:variable name="found" select="$report//(svrl:failed-assert | svrl:successful-report)"/>
        <xsl:if test="exists($found)">
          <document index="{position() - 1}"><xsl:copy-of select="$found"/></document>
        </xsl:if>
      </xsl:for-each>
    </batch>
  </xsl:template>
</xsl:stylesheet>
